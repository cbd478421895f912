import { z } from 'zod';
import { CreatedInvitation, InvitationRequest, MemberList, RoleChange } from '#core/api';
import { defineRoute, type RouteDef } from '../http/route';
import type { ServerDeps } from '../deps';
import type { People } from '../services/people.service';

const UserParams = z.object({ userId: z.string().min(1).max(64) });

/** A workspace's members, their roles and invitations by link. Owners manage them; every member may see who is in. */
export function memberRoutes(_deps: ServerDeps, people: People): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/members',
      scope: 'workspace:read',
      tag: 'Members',
      summary: "The workspace's members and their roles, and its open invitations",
      responses: { 200: { description: 'Members', schema: MemberList } },
      async handler({ auth }) {
        return { body: await people.members(auth.workspaceId) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/members/:userId',
      scope: 'members:manage',
      tag: 'Members',
      summary: "Change a member's role (a workspace keeps at least one owner)",
      params: UserParams,
      body: RoleChange,
      responses: { 204: { description: 'Changed' }, 404: { description: 'No such member' }, 409: { description: 'That would leave no owner' } },
      async handler({ params, body, auth, req }) {
        await people.changeRole(req, auth, params.userId, body.role);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/members/:userId',
      scope: 'members:manage',
      tag: 'Members',
      summary: 'Remove a member from the workspace (a workspace keeps at least one owner)',
      params: UserParams,
      responses: { 204: { description: 'Removed' }, 404: { description: 'No such member' }, 409: { description: 'That would leave no owner' } },
      async handler({ params, auth, req }) {
        await people.removeMember(req, auth, params.userId);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/invitations',
      scope: 'members:manage',
      tag: 'Members',
      summary: 'Invite someone by link with a role (optionally only for one email address); the link is shown this once',
      body: InvitationRequest,
      responses: { 201: { description: 'The invitation and its link', schema: CreatedInvitation } },
      async handler({ body, auth, req }) {
        return { status: 201, body: await people.invite(req, auth, body) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/invitations/:invitationId',
      scope: 'members:manage',
      tag: 'Members',
      summary: 'Revoke an open invitation: its link stops working',
      params: z.object({ invitationId: z.string().min(1).max(64) }),
      responses: { 204: { description: 'Revoked' }, 404: { description: 'No such open invitation' } },
      async handler({ params, auth, req }) {
        await people.revokeInvitation(req, auth, params.invitationId);
        return { status: 204 };
      },
    }),
  ];
}
