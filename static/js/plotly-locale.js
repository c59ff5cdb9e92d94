// plotly.js in the reader's language: month and day names from Django's JavaScript catalog
// (djangojs), separators from the formats the catalog carries. charts.js draws with
// `locale` = the page's <html lang>.
(function () {
  "use strict";
  if (!window.Plotly || !window.django) return;
  var lang = document.documentElement.lang || "en";
  if (lang === "en") return;
  window.Plotly.register({
    moduleType: "locale",
    name: lang,
    dictionary: {},
    format: {
      days: [gettext("Sunday"), gettext("Monday"), gettext("Tuesday"), gettext("Wednesday"), gettext("Thursday"),
             gettext("Friday"), gettext("Saturday")],
      shortDays: [gettext("Sun"), gettext("Mon"), gettext("Tue"), gettext("Wed"), gettext("Thu"), gettext("Fri"), gettext("Sat")],
      months: [gettext("January"), gettext("February"), gettext("March"), gettext("April"), gettext("May"), gettext("June"),
               gettext("July"), gettext("August"), gettext("September"), gettext("October"), gettext("November"),
               gettext("December")],
      shortMonths: [gettext("Jan"), gettext("Feb"), gettext("Mar"), gettext("Apr"), pgettext("abbrev. month", "May"),
                    gettext("Jun"), gettext("Jul"), gettext("Aug"), gettext("Sep"), gettext("Oct"), gettext("Nov"), gettext("Dec")],
      // Translators: a d3 date format, e.g. %d.%m.%Y
      date: gettext("%m/%d/%Y"),
      decimal: window.django.get_format("DECIMAL_SEPARATOR"),
      thousands: window.django.get_format("THOUSAND_SEPARATOR")
    }
  });
})();
