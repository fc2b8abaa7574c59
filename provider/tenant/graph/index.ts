/** Microsoft Graph for the tenant layer: one client, one object per resource family. */
import type { TokenSource } from "../../access/tokens";
import type { TenantSettings } from "../../settings";
import { GraphClient } from "./client";
import { GraphLicences } from "./licences";
import { GraphNumbers } from "./numbers";
import { GraphUsers } from "./users";

export { BATCH_GATHER_GAPS, GatherWindow, GraphBatcher, MAX_BATCH_SIZE, type BatchItemResponse } from "./batch";
export { odataString } from "./client";

/** How Graph paces itself. */
export interface GraphTiming {
  pollIntervalMs: number;
  batchWindowMs: number;
  numberOperationTimeoutMs: number;
}

/** The Graph families the services use. */
export interface Graph {
  client: GraphClient;
  users: GraphUsers;
  licences: GraphLicences;
  numbers: GraphNumbers;
}

/** Graph for one tenant and app registration. */
export function createGraph(settings: TenantSettings, tokens: TokenSource, timing: GraphTiming): Graph {
  const client = new GraphClient(settings, tokens, timing.batchWindowMs);
  return {
    client,
    users: new GraphUsers(client),
    licences: new GraphLicences(client),
    numbers: new GraphNumbers(client, {
      pollIntervalMs: timing.pollIntervalMs,
      operationTimeoutMs: timing.numberOperationTimeoutMs,
    }),
  };
}
