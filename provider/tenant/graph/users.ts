/** Graph users (the Entra side of resource accounts). Permission: CALL_PERMISSIONS.users. */
import { CALL_PERMISSIONS } from "../../access/catalogue";
import type { TenantUser } from "../model";
import { orUndefined, type GraphClient } from "./client";

const PERMISSION = CALL_PERMISSIONS.users;
const USER_FIELDS = "id,userPrincipalName,displayName,usageLocation,accountEnabled,department,assignedLicenses";

/** `/users`. */
export class GraphUsers {
  constructor(private readonly graph: GraphClient) {}

  /** The user, or undefined when Graph does not (yet / any more) know it. */
  get(idOrUpn: string): Promise<TenantUser | undefined> {
    return orUndefined(() =>
      this.graph.request<TenantUser>("GET", `/users/${encodeURIComponent(idOrUpn)}`, {
        permission: PERMISSION,
        select: USER_FIELDS,
      }),
    );
  }

  /** PATCH /users/{id}. */
  async update(id: string, patch: { usageLocation?: string; displayName?: string }): Promise<void> {
    await this.graph.request("PATCH", `/users/${encodeURIComponent(id)}`, { permission: PERMISSION, body: patch });
  }

  /** DELETE /users/{id}; false when it was already gone. */
  async delete(id: string): Promise<boolean> {
    const done = await orUndefined(() =>
      this.graph.request("DELETE", `/users/${encodeURIComponent(id)}`, { permission: PERMISSION }).then(() => true),
    );
    return done === true;
  }
}
