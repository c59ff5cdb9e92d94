// What a person sees (issue 15), run by Journey.check_layout: each visible label directly
// above (nothing between) or beside its own control, no two controls overlapping, and no
// sideways scroll of the page. Returns the problems found, in words.
() => {
  const shown = el => {
    if (!el || el.closest('.visually-hidden, [hidden]')) return false;
    // Inside a closed <details> (content-visibility: hidden) nothing is seen.
    if (el.checkVisibility && !el.checkVisibility({ visibilityProperty: true })) return false;
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const name = el => (el.id ? '#' + el.id : el.tagName.toLowerCase() + (el.name ? '[name=' + el.name + ']' : ''));
  const controls = [...document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button')].filter(shown);
  const problems = [];
  const meets = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  for (const label of document.querySelectorAll('label[for]')) {
    const own = document.getElementById(label.htmlFor);
    if (!shown(label) || !shown(own) || label.contains(own)) continue;
    const l = label.getBoundingClientRect(), c = own.getBoundingClientRect();
    const sameColumn = l.left < c.right && c.left < l.right;
    const gap = { left: Math.max(l.left, c.left), right: Math.min(l.right, c.right), top: l.bottom, bottom: c.top };
    const between = controls.some(x => x !== own && meets(x.getBoundingClientRect(), gap));
    // The field's own help text may stand between its label and its control.
    const help = document.getElementById(own.id + '_helptext');
    const helpHeight = help && shown(help) ? help.getBoundingClientRect().height : 0;
    const above = sameColumn && l.bottom <= c.top + 2 && c.top - l.bottom - helpHeight < 140 && !between;
    const beside = l.top < c.bottom && c.top < l.bottom &&
      (Math.abs(c.left - l.right) < 48 || Math.abs(l.left - c.right) < 48);
    if (!above && !beside) problems.push('label "' + label.textContent.trim().slice(0, 40) + '" is not above or beside ' + name(own));
  }
  for (let i = 0; i < controls.length; i++) for (let j = i + 1; j < controls.length; j++) {
    if (controls[i].contains(controls[j]) || controls[j].contains(controls[i])) continue;
    if (meets(controls[i].getBoundingClientRect(), controls[j].getBoundingClientRect()))
      problems.push(name(controls[i]) + ' overlaps ' + name(controls[j]));
  }
  const page = document.documentElement;
  if (page.scrollWidth > page.clientWidth + 1) {
    const wide = [...document.body.querySelectorAll('*')].filter(el => el.getBoundingClientRect().right > page.clientWidth + 1 && !el.closest('.table-wrap, .chart, pre'));
    problems.push('the page scrolls sideways (' + page.scrollWidth + ' > ' + page.clientWidth + ' px): ' + wide.slice(0, 3).map(el => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ')[0] : '')).join(', '));
  }
  return problems;
}
