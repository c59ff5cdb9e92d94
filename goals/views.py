from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from alignment_portal.organizations.access import get_membership
from goals.models import Goal


@login_required
def goal_list(request, org_slug):
    membership = get_membership(request, org_slug)
    goals = Goal.objects.filter(organization=membership.organization).select_related("cycle")
    return render(request, "goals/goal_list.html", {"goals": goals})
