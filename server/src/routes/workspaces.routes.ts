import { AcceptInvitationRequest, WorkspaceCreateRequest, WorkspaceList, WorkspaceMembership } from '#core/api';
import { defineRoute, type RouteDef } from '../http/route';
import type { ServerDeps } from '../deps';
import type { People } from '../services/people.service';

/** A signed-in person's workspaces: list, create (its creator is owner), join by invitation link. */
export function workspaceRoutes(_deps: ServerDeps, people: People): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/workspaces',
      auth: 'person',
      tag: 'People',
      summary: "The signed-in person's workspaces and their role in each",
      responses: { 200: { description: 'Workspaces', schema: WorkspaceList } },
      async handler({ auth }) {
        return { body: { workspaces: (await people.sessionInfo(auth.person!.userId, '')).workspaces } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/workspaces',
      auth: 'person',
      tag: 'People',
      summary: 'Create a workspace; the signed-in person is its owner',
      body: WorkspaceCreateRequest,
      responses: { 201: { description: 'Created', schema: WorkspaceMembership } },
      async handler({ auth, body, req }) {
        return { status: 201, body: await people.createWorkspace(req, auth, body.name) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/invitations/accept',
      auth: 'person',
      tag: 'People',
      summary: 'Accept an invitation link: join its workspace with its role (an invitation never lowers a role you have)',
      body: AcceptInvitationRequest,
      responses: {
        200: { description: 'Joined', schema: WorkspaceMembership },
        403: { description: 'The invitation is for another email' },
        404: { description: 'The invitation link is not valid' },
        409: { description: 'The invitation was used meanwhile' },
      },
      async handler({ auth, body, req }) {
        return { body: await people.accept(req, auth, body.token) };
      },
    }),
  ];
}
