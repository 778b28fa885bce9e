/** The IAM calls cdcpipe makes (only with --create-roles), with the SDK's RoleExists waiter. */
import { CreateRoleCommand, GetRoleCommand, GetRolePolicyCommand, PutRolePolicyCommand, waitUntilRoleExists } from '@aws-sdk/client-iam';
import type * as I from '@aws-sdk/client-iam';
import { op, waiterParams, type Call, type WaitOptions } from './op.js';

export interface IamApi {
  getRole: Call<I.GetRoleCommandInput, I.GetRoleCommandOutput>;
  getRolePolicy: Call<I.GetRolePolicyCommandInput, I.GetRolePolicyCommandOutput>;
  createRole: Call<I.CreateRoleCommandInput, I.CreateRoleCommandOutput>;
  putRolePolicy: Call<I.PutRolePolicyCommandInput, I.PutRolePolicyCommandOutput>;
  waitForRole(input: I.GetRoleCommandInput, wait: WaitOptions): Promise<void>;
}

export function iamApi(client: I.IAMClient): IamApi {
  return {
    getRole: op(client, GetRoleCommand),
    getRolePolicy: op(client, GetRolePolicyCommand),
    createRole: op(client, CreateRoleCommand),
    putRolePolicy: op(client, PutRolePolicyCommand),
    waitForRole: async (input, wait) => void (await waitUntilRoleExists(waiterParams(client, wait), input)),
  };
}
