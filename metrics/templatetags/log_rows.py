"""`{% using entry %}…{% endusing %}`: the keys of the dict `entry` as variables inside, in
one context push. "Log values" renders its row partial with the row's prepared values
(selectors.log_entry); the htmx answer renders the same partial with the same dict."""

from django import template

register = template.Library()


class UsingNode(template.Node):
    def __init__(self, values: template.base.FilterExpression, nodelist):
        self.values, self.nodelist = values, nodelist

    def render(self, context) -> str:
        with context.push(self.values.resolve(context)):
            return self.nodelist.render(context)


@register.tag
def using(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% using %} takes one dict: {% using entry %}")
    nodelist = parser.parse(("endusing",))
    parser.delete_first_token()
    return UsingNode(parser.compile_filter(bits[1]), nodelist)
