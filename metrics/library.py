"""Ready metric definitions that ship with the product (DOMAIN.md, "Metric").

Data in code, not rows in the database: an organization adds one in one click
(`services.metric_add_from_library`), which copies it into a Metric it can then edit; the copy
remembers its `library_key`.
"""

from dataclasses import dataclass

from metrics.models import Direction, Frequency, Kind, Level, Nature, Unit


@dataclass(frozen=True)
class LibraryMetric:
    key: str
    name: str
    definition: str
    kind: str
    nature: str
    unit: str
    direction: str
    frequency: str = Frequency.MONTHLY
    level: str = Level.OPERATIONAL
    category: str = "Customers"


K, V = Kind.KPI, Kind.KVI
OUT, ACT = Nature.OUTCOME, Nature.OUTPUT
UP, DOWN = Direction.HIGHER, Direction.LOWER
W, M, Q = Frequency.WEEKLY, Frequency.MONTHLY, Frequency.QUARTERLY

LIBRARY: list[LibraryMetric] = [
    LibraryMetric("csat", "Customer satisfaction (CSAT)",
                  "Share of surveyed customers who answer 4 or 5 on a 1-5 satisfaction "
                  "question, over the period.", K, OUT, Unit.PERCENT, UP, M),
    LibraryMetric("nps", "Net Promoter Score (NPS)",
                  "Promoters (9-10) minus detractors (0-6), as a share of respondents to "
                  "'How likely are you to recommend us?', from -100 to 100.",
                  K, OUT, Unit.SCORE, UP, Q, Level.STRATEGIC),
    LibraryMetric("churn_rate", "Customer churn rate",
                  "Customers lost during the period divided by customers at its start.",
                  K, OUT, Unit.PERCENT, DOWN, M, Level.STRATEGIC),
    LibraryMetric("retention_rate", "Customer retention rate",
                  "Customers at the end of the period, less those acquired during it, divided "
                  "by customers at its start.", K, OUT, Unit.PERCENT, UP, M, Level.STRATEGIC),
    LibraryMetric("cac", "Customer acquisition cost",
                  "Sales and marketing spend of the period divided by the new customers it "
                  "won.", K, OUT, Unit.CURRENCY, DOWN, M, Level.DEPARTMENTAL, "Marketing"),
    LibraryMetric("conversion_rate", "Conversion rate",
                  "Visitors (or leads) who buy, as a share of all visitors (or leads) in the "
                  "period.", K, OUT, Unit.PERCENT, UP, W, Level.DEPARTMENTAL, "Marketing"),
    LibraryMetric("mql", "Marketing-qualified leads",
                  "Leads that meet the agreed qualification criteria in the period.",
                  K, OUT, Unit.COUNT, UP, W, Level.DEPARTMENTAL, "Marketing"),
    LibraryMetric("fulfilment_time", "Order fulfilment time",
                  "Median hours from order placed to order shipped or handed over.",
                  K, OUT, Unit.HOURS, DOWN, W, category="Operations"),
    LibraryMetric("inventory_turnover", "Inventory turnover",
                  "Cost of goods sold in the period divided by the average inventory value "
                  "(a score: turns per period).", K, OUT, Unit.SCORE, UP, M, Level.DEPARTMENTAL,
                  "Operations"),
    LibraryMetric("invoice_processing_time", "Invoice processing time",
                  "Median days from a supplier invoice arriving to it being approved for "
                  "payment.", K, OUT, Unit.DAYS, DOWN, M, category="Finance"),
    LibraryMetric("wait_time_peak", "Customer wait time at peak",
                  "Median minutes from joining the queue to being served, measured in the "
                  "busiest hour of the day.", K, OUT, Unit.MINUTES, DOWN, W,
                  category="Operations"),
    LibraryMetric("revenue_per_employee", "Revenue per employee",
                  "Revenue of the period divided by full-time-equivalent employees.",
                  K, OUT, Unit.CURRENCY, UP, Q, Level.STRATEGIC, "Finance"),
    LibraryMetric("clv", "Customer lifetime value",
                  "Average gross margin a customer brings over their whole relationship "
                  "(average order margin x orders per year x years retained).",
                  V, OUT, Unit.CURRENCY, UP, Q, Level.STRATEGIC),
    LibraryMetric("clv_uplift", "Customer lifetime value uplift",
                  "Change in customer lifetime value against the baseline before the "
                  "initiative, in currency.", V, OUT, Unit.CURRENCY, UP, Q, Level.STRATEGIC),
    LibraryMetric("market_share_segment", "Market share in target segment",
                  "Our revenue in the target segment as a share of the segment's total "
                  "revenue (best available estimate).", V, OUT, Unit.PERCENT, UP, Q,
                  Level.STRATEGIC, "Strategy"),
    LibraryMetric("new_product_adoption", "Adoption of a new product",
                  "Active customers using the new product as a share of all active "
                  "customers.", V, OUT, Unit.PERCENT, UP, M, Level.STRATEGIC, "Strategy"),
    LibraryMetric("first_response_time", "First response time",
                  "Median hours from a customer's support request to the first human answer.",
                  K, OUT, Unit.HOURS, DOWN, W, category="Support"),
    LibraryMetric("ticket_resolution_rate", "First-contact resolution rate",
                  "Support requests solved in the first contact, as a share of all requests.",
                  K, OUT, Unit.PERCENT, UP, M, category="Support"),
    LibraryMetric("stock_accuracy", "Stock accuracy",
                  "Items whose counted stock matches the system, as a share of items counted.",
                  K, OUT, Unit.PERCENT, UP, M, category="Operations"),
    LibraryMetric("online_sales", "Online sales",
                  "Revenue from orders placed online in the period, after refunds.",
                  K, OUT, Unit.CURRENCY, UP, W, Level.DEPARTMENTAL, "Sales"),
    LibraryMetric("average_order_value", "Average order value",
                  "Revenue divided by the number of orders in the period.",
                  K, OUT, Unit.CURRENCY, UP, M, category="Sales"),
    LibraryMetric("gross_margin", "Gross margin",
                  "Revenue less cost of goods sold, as a share of revenue.",
                  K, OUT, Unit.PERCENT, UP, M, Level.STRATEGIC, "Finance"),
    LibraryMetric("days_sales_outstanding", "Days sales outstanding",
                  "Average days customers take to pay their invoices.",
                  K, OUT, Unit.DAYS, DOWN, M, Level.DEPARTMENTAL, "Finance"),
    LibraryMetric("employee_hours_saved", "Staff hours saved by automation",
                  "Hours of manual work a month that automation took over, counted from "
                  "task logs.", V, OUT, Unit.HOURS, UP, M, category="People"),
    LibraryMetric("emails_sent", "Marketing emails sent",
                  "Marketing emails sent in the period. An activity count: it shows effort, "
                  "not results.", K, ACT, Unit.COUNT, UP, W, category="Marketing"),
    LibraryMetric("social_posts", "Social media posts published",
                  "Posts published on the company's social channels. An activity count.",
                  K, ACT, Unit.COUNT, UP, W, category="Marketing"),
    LibraryMetric("tickets_handled", "Support tickets handled",
                  "Tickets touched by the team in the period. An activity count.",
                  K, ACT, Unit.COUNT, UP, W, category="Support"),
]

LIBRARY_BY_KEY = {item.key: item for item in LIBRARY}
