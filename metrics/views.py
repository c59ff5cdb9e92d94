from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from alignment_portal.organizations.access import get_membership
from metrics.models import Metric


@login_required
def metric_list(request, org_slug):
    membership = get_membership(request, org_slug)
    metrics = Metric.objects.filter(organization=membership.organization).active()
    return render(request, "metrics/metric_list.html", {"metrics": metrics})
