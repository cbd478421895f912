// Generated from the OpenAPI document by clients/js/scripts/generate-types.ts: do not edit (test/drift.test.ts checks it).

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type SendEventRequest = {
  name: string;
  id?: string;
  data?: JsonValue;
};

export type SendEventResult = {
  eventId: string;
  runs: {
    flowId: string;
    runId: string;
    duplicate: boolean;
  }[];
  ignored?: {
    flowId: string;
    reason: "disabled";
  }[];
};

export type InvokeRequest = {
  input?: JsonValue;
};

export type InvokeResult = {
  runId: string;
  status: "starting" | "running" | "parked" | "waitingForCredits" | "waitingForReconnect" | "completed" | "failed" | "cancelled";
  output?: unknown;
  respondedBy?: string;
  duplicate: boolean;
  mode: "live" | "test";
};

export type InvokeAccepted = {
  runId: string;
  status: "starting" | "running" | "parked" | "waitingForCredits" | "waitingForReconnect" | "completed" | "failed" | "cancelled";
  duplicate: boolean;
  mode: "live" | "test";
  links: {
    run: string;
    events: string;
  };
};

export type AppRun = {
  id: string;
  flowId: string;
  version: number;
  mode: "live" | "test";
  status: "starting" | "running" | "parked" | "waitingForCredits" | "waitingForReconnect" | "completed" | "failed" | "cancelled";
  trigger: {
    type: "event" | "manual" | "invoke" | "schedule" | "webhook";
    id?: string;
    name?: string;
  };
  output?: unknown;
  error?: {
    message: string;
    type: string;
    status?: number;
    connectionId?: string;
    nodeId?: string;
  };
  cost?: {
    credits: number;
    listCredits: number;
    requests: number;
  };
  createdAt: string;
  startedAt: string;
  endedAt?: string | null;
  nodes?: ({
    key: string;
    nodeId: string;
    type: string;
    status: "running" | "succeeded" | "failed" | "parked" | "waitingForCredits" | "waitingForReconnect" | "waitingForEvent" | "skipped";
    input?: unknown;
    output?: unknown;
    branch?: string;
    attempts: number;
    simulated?: boolean;
    decisions?: ({
      action: "retry" | "skip" | "abort";
      at: string;
      editedInput?: boolean;
    })[];
    error?: {
      message: string;
      type: string;
      status?: number;
      connectionId?: string;
    };
    startedAt?: string;
    endedAt?: string;
    dataOmitted?: true;
    logs?: string[];
    attemptLog?: ({
      activityId: string;
      beforeReset?: number;
      attempt: number;
      status: string;
      error: string | null;
      startedAt: string;
      endedAt: string | null;
    })[];
    progress?: {
      done: number;
      total: number;
      batches: number;
    };
  })[];
};

export type RunEvent = {
  seq: number;
  type: "run.started" | "node.started" | "node.succeeded" | "node.failed" | "node.parked" | "node.waitingForCredits" | "node.waitingForEvent" | "node.waitingForReconnect" | "node.skipped" | "run.responded" | "run.ended";
  at: string;
  nodeKey?: string;
  nodeId?: string;
  nodeType?: string;
  status: string;
  error?: {
    message: string;
    type: string;
    status?: number;
    connectionId?: string;
    nodeId?: string;
  };
  output?: unknown;
  outputOmitted?: true;
};

export type ErrorBody = {
  error: {
    code: "VALIDATION_FAILED" | "UNAUTHORIZED" | "FORBIDDEN" | "NOT_FOUND" | "PAYMENT_REQUIRED" | "CONFLICT" | "RUN_PARKED" | "IDEMPOTENCY_KEY_REUSED" | "FLOW_FAILED" | "PAYLOAD_TOO_LARGE" | "UNSUPPORTED_MEDIA_TYPE" | "FLOW_INVALID" | "STEP_NOT_TESTABLE" | "IMPORT_INVALID" | "IMPORT_TOO_LARGE" | "OAUTH_CALLBACK_REFUSED" | "CONNECTION_FAILED" | "PROVIDER_UNAVAILABLE" | "RATE_LIMITED" | "TEMPORAL_UNAVAILABLE" | "MODEL_UNAVAILABLE" | "INTERNAL";
    message: string;
    details?: unknown;
  };
};
