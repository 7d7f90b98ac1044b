// What every API Gateway (Lambda proxy) handler of this library does the same way: errors a caller can fix
// become 4XX responses with a message, anything else a 500 without internals; CORS headers for the allowed
// origins (a Lambda proxy integration must send them itself); the caller identified by the `sub` claim the
// Cognito user-pool authorizer verified. Runtime code: never imports aws-cdk-lib.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

/** A client error the handler turns into a 4XX response with this message. */
export class HttpError extends Error {
  constructor(
    public readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** The caller's user id, from the claims API Gateway's Cognito authorizer verified. */
export function callerSub(event: APIGatewayProxyEvent): string {
  const claims = event.requestContext?.authorizer?.claims as Record<string, unknown> | undefined;
  const sub = claims?.sub;
  // Unreachable behind the authorizer; refusing is safer than reading or writing a shared partition.
  if (typeof sub !== 'string' || sub.length === 0) throw new HttpError(401, 'no authenticated user');
  return sub;
}

/** What a route answers: a status and a body serialized as JSON (none for 204). */
export interface RouteResult {
  readonly statusCode: number;
  readonly body?: unknown;
}

/** Parses a JSON object body (`expected` completes "a JSON object ..."); a missing, malformed or non-object body is the caller's 400. */
export function jsonObjectBody(raw: string | null, expected: string): Record<string, unknown> {
  if (raw === null || raw.trim() === '')
    throw new HttpError(400, `request body is required: a JSON object ${expected}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, `request body must be a JSON object ${expected}`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * A Lambda proxy handler around `route`: JSON responses, CORS headers for an allowed origin, HttpError as
 * its status and message, any other error logged and answered 500 with no detail.
 */
export function jsonApiHandler(
  allowedOrigins: readonly string[],
  route: (event: APIGatewayProxyEvent) => Promise<RouteResult>,
): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  return async (event) => {
    const origin = event.headers?.origin ?? event.headers?.Origin;
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (origin && allowedOrigins.includes(origin)) {
      headers['Access-Control-Allow-Origin'] = origin;
      headers.Vary = 'Origin';
    }
    try {
      const result = await route(event);
      return {
        statusCode: result.statusCode,
        headers,
        body: result.body === undefined ? '' : JSON.stringify(result.body),
      };
    } catch (e) {
      if (e instanceof HttpError) {
        return { statusCode: e.statusCode, headers, body: JSON.stringify({ message: e.message }) };
      }
      // Log the detail for the operator; the caller gets no internals.
      console.error(JSON.stringify({ level: 'ERROR', message: 'unhandled error', error: String(e) }));
      return { statusCode: 500, headers, body: JSON.stringify({ message: 'internal error' }) };
    }
  };
}

/** ALLOWED_ORIGINS (comma-separated) as a list. */
export function allowedOriginsFromEnv(value: string | undefined): string[] {
  return (value ?? '').split(',').filter((o) => o.length > 0);
}
