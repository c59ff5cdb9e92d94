from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from alignment_portal.organizations.access import get_membership
from initiatives.models import Initiative, Tool


@login_required
def initiative_list(request, org_slug):
    membership = get_membership(request, org_slug)
    initiatives = Initiative.objects.filter(organization=membership.organization)
    return render(request, "initiatives/initiative_list.html", {"initiatives": initiatives})


@login_required
def tool_list(request, org_slug):
    membership = get_membership(request, org_slug)
    tools = Tool.objects.filter(organization=membership.organization)
    return render(request, "initiatives/tool_list.html", {"tools": tools})
