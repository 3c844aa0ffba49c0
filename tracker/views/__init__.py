"""The site's views, a module per area: dashboards, actions, inspections, findings, reports."""
