/* routes.c - owns the routing table. A GET route also answers HEAD. */
#include "routes.h"

#include "catalog/catalog.h"
#include "catalog/catalog_qr.h"
#include "core/prometheus.h"
#include "intake/intake_api.h"
#include "metrics/metrics.h"
#include "officials/assisted.h"
#include "officials/auth.h"
#include "officials/bulk.h"
#include "officials/export.h"
#include "officials/moderation.h"
#include "officials/second_factor.h"
#include "officials/templates.h"
#include "tlog/tlog_api.h"
#include "service.h"

const struct route routes[] = {
	{HTTP_GET, "/api/v1", service_index},
	{HTTP_GET, "/healthz", service_healthz},
	{HTTP_GET, "/readyz", service_readyz},
	{HTTP_GET, "/metrics", service_metrics},
	{HTTP_GET, "/api/v1/plans", catalog_plans},
	{HTTP_GET, "/api/v1/plans/{code}", catalog_plan},
	{HTTP_GET, "/api/v1/items", catalog_items},
	{HTTP_GET, "/api/v1/items/{code}", catalog_item},
	{HTTP_GET, "/api/v1/items/{code}/qr.svg", catalog_qr},
	{HTTP_GET, "/api/v1/agencies", catalog_agencies},
	{HTTP_POST, "/api/v1/feedback", intake_api_submit},
	{HTTP_GET, "/api/v1/feedback", intake_api_feed},
	{HTTP_GET, "/api/v1/feedback/{tracking_code}", intake_api_status},
	{HTTP_POST, "/api/v1/feedback/{tracking_code}/rating", intake_api_rate},
	{HTTP_GET, "/api/v1/feedback/{tracking_code}/qr.svg", intake_api_qr},
	{HTTP_GET, "/api/v1/keys", intake_api_keys},
	{HTTP_POST, "/api/v1/receipts/verify", intake_api_verify},
	{HTTP_POST, "/api/v1/auth/login", auth_login},
	{HTTP_POST, "/api/v1/auth/logout", auth_logout},
	{HTTP_GET, "/api/v1/auth/me", auth_me},
	{HTTP_POST, "/api/v1/auth/totp/enrol", second_factor_enrol},
	{HTTP_POST, "/api/v1/auth/totp/verify", second_factor_verify},
	{HTTP_GET, "/api/v1/metrics/satisfaction", metrics_satisfaction},
	{HTTP_GET, "/api/v1/metrics/responses", metrics_responses},
	{HTTP_GET, "/api/v1/reports/quarterly", metrics_quarterly},
	{HTTP_GET, "/assets/report.css", metrics_report_css},
	{HTTP_GET, "/api/v1/moderation/queue", moderation_queue},
	{HTTP_GET, "/api/v1/moderation/export", export_feedback},
	{HTTP_GET, "/api/v1/moderation/overdue", moderation_overdue},
	{HTTP_POST, "/api/v1/moderation/intake", assisted_intake},
	{HTTP_POST, "/api/v1/moderation/{id}/actions", moderation_action},
	{HTTP_POST, "/api/v1/moderation/bulk", bulk_action},
	{HTTP_GET, "/api/v1/moderation/templates", templates_list},
	{HTTP_POST, "/api/v1/moderation/templates", templates_create},
	{HTTP_PUT, "/api/v1/moderation/templates/{id}", templates_update},
	{HTTP_DELETE, "/api/v1/moderation/templates/{id}", templates_delete},
	{HTTP_GET, "/api/v1/moderation/{id}/history", moderation_history},
	{HTTP_GET, "/api/v1/moderation/{id}/contact", moderation_contact},
	{HTTP_GET, "/api/v1/moderation/{id}/similar", moderation_similar},
	{HTTP_GET, "/api/v1/log/checkpoint", tlog_api_checkpoint},
	{HTTP_GET, "/api/v1/log/proof/inclusion", tlog_api_inclusion},
	{HTTP_GET, "/api/v1/log/proof/consistency", tlog_api_consistency},
	{HTTP_GET, "/api/v1/log/entries", tlog_api_entries},
};

const size_t nroutes = sizeof(routes) / sizeof(routes[0]);

/* prometheus.h keeps a counter row per route and one for "none". */
_Static_assert(sizeof(routes) / sizeof(routes[0]) < PROMETHEUS_ROUTES, "raise PROMETHEUS_ROUTES");
