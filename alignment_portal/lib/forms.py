"""The form renderer: Django's templates, with each field wrapped in one `div.field`.

Django's own field template emits the label, help text and control as siblings; laid out in a
CSS grid they became separate cells, and at desktop widths no label stood above its own control
(issue 15). One box per field keeps them together in every form of the portal."""

from django.forms.renderers import TemplatesSetting


class PortalFormRenderer(TemplatesSetting):
    field_template_name = "forms/field.html"
