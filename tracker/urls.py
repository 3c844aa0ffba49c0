from django.urls import path

from .views import account, actions, dashboards, findings, imports, inspections, people, reports

app_name = "tracker"

urlpatterns = [
    path("", dashboards.home, name="home"),
    path("healthz", dashboards.healthz, name="healthz"),
    path("favicon.ico", dashboards.favicon, name="favicon"),
    # Actions
    path("actions/", actions.action_list, name="action-list"),
    path("actions/mine/", actions.action_mine, name="action-mine"),
    path("actions/<int:pk>/", actions.action_detail, name="action-detail"),
    path("actions/<int:pk>/edit/", actions.action_edit, name="action-edit"),
    path("actions/<int:pk>/progress/", actions.action_progress, name="action-progress"),
    path("actions/<int:pk>/evidence/", actions.action_evidence, name="action-evidence"),
    path("actions/<int:pk>/evidence/<int:evidence_pk>/", actions.evidence_download, name="evidence-download"),
    path("actions/<int:pk>/submit/", actions.action_submit, name="action-submit"),
    path("actions/<int:pk>/sign-off/", actions.action_sign_off, name="action-sign-off"),
    path("actions/<int:pk>/sign-off/check/", actions.action_sign_off_check, name="action-sign-off-check"),
    path("actions/<int:pk>/return/", actions.action_return, name="action-return"),
    path("actions/<int:pk>/withdraw/", actions.action_withdraw, name="action-withdraw"),
    path("actions/<int:pk>/withdraw/check/", actions.action_withdraw_check, name="action-withdraw-check"),
    path("actions/<int:pk>/public-summary/", actions.action_public_summary, name="action-public-summary"),
    path("actions/<int:pk>/extension/", actions.extension_request, name="extension-request"),
    path("extensions/<int:pk>/decide/", actions.extension_decide, name="extension-decide"),
    # Inspections and findings
    path("inspections/", inspections.inspection_list, name="inspection-list"),
    path("inspections/new/", inspections.inspection_create, name="inspection-create"),
    path("inspections/<slug:slug>/", inspections.inspection_detail, name="inspection-detail"),
    path("inspections/<slug:slug>/edit/", inspections.inspection_edit, name="inspection-edit"),
    path("inspections/<slug:slug>/response/", inspections.inspection_response, name="inspection-response"),
    path("inspections/<slug:slug>/findings/new/", findings.finding_create, name="finding-create"),
    path("inspections/<slug:slug>/import/", imports.findings_import, name="findings-import"),
    path("inspections/<slug:slug>/import/check/", imports.findings_import_check, name="findings-import-check"),
    path("findings/<int:pk>/", findings.finding_detail, name="finding-detail"),
    path("findings/<int:pk>/edit/", findings.finding_edit, name="finding-edit"),
    path("findings/<int:pk>/actions/new/", findings.action_create, name="action-create"),
    path("findings/<int:pk>/discharge/", findings.finding_discharge, name="finding-discharge"),
    path("findings/<int:pk>/discharge/check/", findings.finding_discharge_check, name="finding-discharge-check"),
    path("findings/<int:pk>/register/", findings.finding_register, name="finding-register"),
    path("findings/<int:pk>/public-summary/", findings.finding_public_summary, name="finding-public-summary"),
    # Multi-factor sign-in (tracker/mfa.py)
    path("account/second-factor/", account.second_factor, name="second-factor"),
    path("account/second-factor/recovery/", account.second_factor_recovery, name="second-factor-recovery"),
    path("account/second-factor/set-up/", account.second_factor_set_up, name="second-factor-set-up"),
    path("account/security/", account.security, name="account-security"),
    path("account/email/", account.email_settings, name="account-email"),
    # People (the Administrator role; auditors read)
    path("people/", people.people_list, name="people-list"),
    path("people/new/", people.person_create, name="person-create"),
    path("people/import/", people.people_import, name="people-import"),
    path("people/<int:pk>/", people.person_detail, name="person-detail"),
    path("people/<int:pk>/roles/", people.person_roles, name="person-roles"),
    path("people/<int:pk>/deactivate/", people.person_deactivate, name="person-deactivate"),
    path("people/<int:pk>/reset-link/", people.person_reset_link, name="person-reset-link"),
    path("people/<int:pk>/second-factor/", people.person_reset_second_factor, name="person-reset-second-factor"),
    path("people/<int:pk>/single-sign-on/", people.person_unlink_sign_on, name="person-unlink-sign-on"),
    # The PCC office
    path("review/", reports.review_queue, name="review-queue"),
    path("reports/panel/", reports.panel_report, name="panel-report"),
]
