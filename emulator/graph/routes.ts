/**
 * Every Graph route the emulator serves, in one explicit list (the pipeline is graph/router.ts).
 * Each route declares the query options its operation documents (`query`, graph/query.ts); a family
 * added later does the same, and the router refuses whatever a route does not declare.
 */
import { applicationRoutes } from "./applications";
import { licenceRoutes } from "./licences";
import { numberRoutes } from "./numbers";
import { GraphRoute } from "./route";
import { servicePrincipalRoutes } from "./service-principals";
import { userRoutes } from "./users";

/** Users and /me, licensing, Teams telephone numbers, service principals (read), applications' federated credentials. `$batch` is handled before routing (graph/batch.ts). */
export const GRAPH_ROUTES: readonly GraphRoute[] = [
  ...userRoutes,
  ...licenceRoutes,
  ...numberRoutes,
  ...servicePrincipalRoutes,
  ...applicationRoutes,
];
