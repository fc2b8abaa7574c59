/** What every handler gets: the store, the fault engine, the token service and counters. */
import { Faults } from "./faults";
import { Fixture } from "./fixture";
import { OidcIssuers } from "./oidc-issuer";
import { LatencyAndFaults } from "./profile";
import { Store } from "./state";
import { TokenService } from "./tokens";

/** Per-family request counters exposed by GET /_emulator/stats. */
export interface Stats {
  readCount: { entra: number; graph: number; teams: number; arm: number };
  writeCount: { graph: number; teams: number; arm: number };
  tokenRequests: number;
  cmdletCalls: number;
  /** HTTP requests as received (a `$batch` counts once in `graph` and in `graphBatch`; its inner requests count in readCount/writeCount). */
  httpRequests: { entra: number; graph: number; graphBatch: number; teams: number; connect: number; arm: number };
  /** Synthetic calls the admin actions placed (incoming: notifications POSTed to a webhook). */
  calls: { incoming: number; delivered: number; outgoing: number };
}

/** Shared handler context. */
export interface EmulatorContext {
  store: Store;
  faults: Faults;
  tokens: TokenService;
  /** Local OIDC issuers (GitHub-, Azure DevOps- and Kubernetes-like) for workload identity federation. */
  oidc: OidcIssuers;
  stats: Stats;
  /** The fixture used for reset when none is given. */
  fixture: Fixture;
  /** Profile before runtime changes (defaults + fixture + env + options), used by `PUT faults?replace=true`. */
  baseProfile: LatencyAndFaults;
  /** `https://localhost:<port>`, known once the server listens. */
  baseUrl: string;
  /** The emulator's CA (PEM): synthetic calls trust it, besides the public roots, when they POST to a bot's webhook. */
  caPem: string;
}

/** Fresh counters. */
export function newStats(): Stats {
  return {
    readCount: { entra: 0, graph: 0, teams: 0, arm: 0 },
    writeCount: { graph: 0, teams: 0, arm: 0 },
    tokenRequests: 0,
    cmdletCalls: 0,
    httpRequests: { entra: 0, graph: 0, graphBatch: 0, teams: 0, connect: 0, arm: 0 },
    calls: { incoming: 0, delivered: 0, outgoing: 0 },
  };
}
