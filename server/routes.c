/* routes.c - owns the routing table. A GET route also answers HEAD. */
#include "routes.h"

#include "catalog.h"
#include "feedback.h"
#include "service.h"

const struct route routes[] = {
	{HTTP_GET, "/", service_index},
	{HTTP_GET, "/healthz", service_healthz},
	{HTTP_GET, "/readyz", service_readyz},
	{HTTP_GET, "/api/v1/plans", catalog_plans},
	{HTTP_GET, "/api/v1/plans/{code}", catalog_plan},
	{HTTP_GET, "/api/v1/items", catalog_items},
	{HTTP_GET, "/api/v1/items/{code}", catalog_item},
	{HTTP_GET, "/api/v1/agencies", catalog_agencies},
	{HTTP_POST, "/api/v1/feedback", feedback_submit},
	{HTTP_GET, "/api/v1/feedback/{tracking_code}", feedback_status},
	{HTTP_GET, "/api/v1/keys", feedback_keys},
	{HTTP_POST, "/api/v1/receipts/verify", feedback_verify},
};

const size_t nroutes = sizeof(routes) / sizeof(routes[0]);
