// The notes API behind API Gateway (Lambda proxy integration). Runtime code: never imports aws-cdk-lib.
//
// Every item is keyed by the caller's Cognito `sub`, read from the claims the user-pool authorizer
// verified (event.requestContext.authorizer.claims). The partition key is never taken from the path,
// the query string or the body, so one user cannot name another user's notes (002 L1669-1675: with a
// Cognito authorizer, authorization of the data itself is the backend's job).
import { randomUUID } from 'crypto';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  allowedOriginsFromEnv,
  callerSub,
  HttpError,
  jsonApiHandler,
  jsonObjectBody,
  RouteResult,
} from '../../core/runtime/http-api';

export { callerSub, HttpError } from '../../core/runtime/http-api';

/** Longest title and body the API accepts (the API Gateway model enforces the same limits). */
export const MAX_TITLE_LENGTH = 200;
export const MAX_BODY_LENGTH = 10_000;
/** Most notes one list call returns, and the default page size (`?limit=` may ask for fewer). */
export const LIST_LIMIT = 100;

/** One stored note, as the API returns it (the owner's `sub` stays server-side). */
export interface Note {
  readonly noteId: string;
  readonly title: string;
  readonly body: string;
  readonly createdAt: string;
}

/** What the handler needs; tests pass a client pointed at a local DynamoDB-compatible server. */
export interface NotesDependencies {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Origins that get an Access-Control-Allow-Origin header (the Lambda proxy must send CORS headers itself). */
  readonly allowedOrigins: string[];
  readonly now?: () => Date;
  readonly newId?: () => string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Validates a create-note body; throws HttpError(400) naming the field that is wrong. */
export function parseNewNote(raw: string | null): { title: string; body: string } {
  const o = jsonObjectBody(raw, 'with "title" and "body"');
  const unknownFields = Object.keys(o).filter((k) => k !== 'title' && k !== 'body');
  if (unknownFields.length > 0) {
    throw new HttpError(400, `unknown field(s): ${unknownFields.join(', ')}; allowed: title, body`);
  }
  if (typeof o.title !== 'string' || o.title.trim().length === 0 || o.title.length > MAX_TITLE_LENGTH) {
    throw new HttpError(
      400,
      `field 'title' must be a non-empty string of at most ${MAX_TITLE_LENGTH} characters`,
    );
  }
  const body = o.body ?? '';
  if (typeof body !== 'string' || body.length > MAX_BODY_LENGTH) {
    throw new HttpError(400, `field 'body' must be a string of at most ${MAX_BODY_LENGTH} characters`);
  }
  return { title: o.title, body };
}

function noteIdOf(event: APIGatewayProxyEvent): string {
  const id = event.pathParameters?.noteId ?? '';
  if (!UUID.test(id)) throw new HttpError(400, `noteId must be a lowercase UUID; received '${id}'`);
  return id;
}

/**
 * The continuation token of `GET /notes`: base64url of the last note id of the page, nothing else. The
 * caller's `sub` is never in it: the handler rebuilds DynamoDB's ExclusiveStartKey from the verified claims,
 * so a token copied from another user (or forged) can only move through the caller's own partition.
 */
export function encodeNextToken(noteId: string): string {
  return Buffer.from(noteId, 'utf8').toString('base64url');
}

/** Reads a continuation token back to a note id; throws HttpError(400) for anything else. */
export function decodeNextToken(token: string): string {
  const invalid = new HttpError(
    400,
    'nextToken is not a token this API returned; pass the nextToken of the previous page unchanged, or omit it for the first page',
  );
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(token)) throw invalid;
  const noteId = Buffer.from(token, 'base64url').toString('utf8');
  if (!UUID.test(noteId)) throw invalid;
  return noteId;
}

/** Page size from `?limit=`: an integer from 1 to LIST_LIMIT, LIST_LIMIT when absent. */
export function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return LIST_LIMIT;
  if (!/^\d{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > LIST_LIMIT) {
    throw new HttpError(400, `limit must be an integer from 1 to ${LIST_LIMIT}; received '${raw}'`);
  }
  return Number(raw);
}

function toNote(item: Record<string, unknown>): Note {
  return {
    noteId: String(item.noteId),
    title: String(item.title),
    body: String(item.body ?? ''),
    createdAt: String(item.createdAt),
  };
}

/** Builds the handler over its dependencies. */
export function createHandler(
  deps: NotesDependencies,
): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  const now = deps.now ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;

  const route = async (event: APIGatewayProxyEvent): Promise<RouteResult> => {
    const userId = callerSub(event);
    const key = `${event.httpMethod} ${event.resource}`;
    switch (key) {
      case 'GET /notes': {
        const query = event.queryStringParameters ?? {};
        const limit = parseLimit(query.limit);
        const after = query.nextToken === undefined ? undefined : decodeNextToken(query.nextToken);
        // One Query returns at most `limit` items and at most 1 MB: a page can be short, and DynamoDB says
        // so with LastEvaluatedKey. Whenever it is there, the caller gets a token for the rest.
        const out = await deps.client.send(
          new QueryCommand({
            TableName: deps.tableName,
            KeyConditionExpression: 'userId = :u',
            ExpressionAttributeValues: { ':u': userId },
            Limit: limit,
            ExclusiveStartKey: after === undefined ? undefined : { userId, noteId: after },
          }),
        );
        const last = out.LastEvaluatedKey?.noteId;
        const page: { notes: Note[]; nextToken?: string } = { notes: (out.Items ?? []).map(toNote) };
        if (typeof last === 'string') page.nextToken = encodeNextToken(last);
        return { statusCode: 200, body: page };
      }
      case 'POST /notes': {
        const input = parseNewNote(event.body);
        const note: Note = { noteId: newId(), ...input, createdAt: now().toISOString() };
        await deps.client.send(
          new PutCommand({
            TableName: deps.tableName,
            Item: { userId, ...note },
            ConditionExpression: 'attribute_not_exists(noteId)',
          }),
        );
        return { statusCode: 201, body: note };
      }
      case 'GET /notes/{noteId}': {
        const noteId = noteIdOf(event);
        const out = await deps.client.send(
          new GetCommand({ TableName: deps.tableName, Key: { userId, noteId } }),
        );
        if (!out.Item) throw new HttpError(404, `note ${noteId} not found`);
        return { statusCode: 200, body: toNote(out.Item) };
      }
      case 'DELETE /notes/{noteId}': {
        const noteId = noteIdOf(event);
        try {
          await deps.client.send(
            new DeleteCommand({
              TableName: deps.tableName,
              Key: { userId, noteId },
              // Another user's note id lands in a different partition (their sub), so it does not
              // exist here: the caller gets 404, never a delete of someone else's item.
              ConditionExpression: 'attribute_exists(noteId)',
            }),
          );
        } catch (e) {
          if (
            e instanceof ConditionalCheckFailedException ||
            (e as Error).name === 'ConditionalCheckFailedException'
          ) {
            throw new HttpError(404, `note ${noteId} not found`);
          }
          throw e;
        }
        return { statusCode: 204 };
      }
      default:
        throw new HttpError(404, `no route ${key}`);
    }
  };

  return jsonApiHandler(deps.allowedOrigins, route);
}

let cached: ((event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>) | undefined;

/** Lambda entry point: the client is created once per execution environment and reused (002 L1429). */
export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  cached ??= createHandler({
    client: DynamoDBDocumentClient.from(new DynamoDBClient({})),
    tableName: process.env.TABLE_NAME ?? '',
    allowedOrigins: allowedOriginsFromEnv(process.env.ALLOWED_ORIGINS),
  });
  return cached(event);
}
