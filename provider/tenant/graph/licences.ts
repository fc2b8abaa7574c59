/** Graph licences: subscribed SKUs, a user's licence details, assignLicense. */
import { CALL_PERMISSIONS } from "../../access/catalogue";
import type { LicenceDetail, SubscribedSku } from "../model";
import { orUndefined, type GraphClient } from "./client";

/** `/subscribedSkus`, `/users/{id}/licenseDetails`, `/users/{id}/assignLicense`. */
export class GraphLicences {
  constructor(private readonly graph: GraphClient) {}

  /** GET /subscribedSkus. */
  subscribedSkus(): Promise<SubscribedSku[]> {
    return this.graph.list<SubscribedSku>("/subscribedSkus", { permission: CALL_PERMISSIONS.subscribedSkus });
  }

  /** GET /users/{id}/licenseDetails; undefined when the user does not exist. */
  details(userId: string): Promise<LicenceDetail[] | undefined> {
    return orUndefined(() =>
      this.graph.list<LicenceDetail>(`/users/${encodeURIComponent(userId)}/licenseDetails`, {
        permission: CALL_PERMISSIONS.licenceDetails,
      }),
    );
  }

  /** POST /users/{id}/assignLicense, always with both arrays (non-nullable in the CSDL). */
  async assign(userId: string, add: { skuId: string; disabledPlans?: string[] }[], remove: string[]): Promise<void> {
    const body = {
      addLicenses: add.map((l) => ({ skuId: l.skuId, disabledPlans: l.disabledPlans ?? [] })),
      removeLicenses: remove,
    };
    await this.graph.request("POST", `/users/${encodeURIComponent(userId)}/assignLicense`, {
      permission: CALL_PERMISSIONS.assignLicense,
      body,
    });
  }
}
