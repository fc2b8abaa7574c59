/** Every Graph route the emulator serves, in one explicit list (the pipeline is graph/router.ts). */
import { licenceRoutes } from "./licences";
import { numberRoutes } from "./numbers";
import { GraphRoute } from "./route";
import { servicePrincipalRoutes } from "./service-principals";
import { userRoutes } from "./users";

/** Users and /me, licensing, Teams telephone numbers, service principals (read). `$batch` is handled before routing (graph/batch.ts). */
export const GRAPH_ROUTES: readonly GraphRoute[] = [
  ...userRoutes,
  ...licenceRoutes,
  ...numberRoutes,
  ...servicePrincipalRoutes,
];
