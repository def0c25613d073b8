/** The Open Platform error envelope and the error codes the emulator answers with. */
import { newLogId } from './ids';

export const Codes = {
  ok: 0,
  invalidParam: 10003,
  appSecretInvalid: 10014,
  rateLimitGeneric: 99991400,
  tokenMissing: 99991661,
  tokenInvalid: 99991663,
  fieldValidation: 99992402,
  bodyType: 9499,
  msgInvalidParam: 230001,
  notResourceOwner: 230017,
  msgRateLimit: 230020,
  contentTooLong: 230025,
  fileTypeMismatch: 230055,
  cardBuildFailed: 230099,
  resourceInvalidParam: 234001,
  fileNotInMessage: 234003,
  resourceTooLarge: 234037,
  resourceUnsupportedMessage: 234043,
  fileTooLarge: 234006,
  fileEmpty: 234010,
  imageFormat: 234011,
  cardTokenFormat: 300020,
  cardTokenExpired: 300030,
  cardTokenUsedUp: 300040,
  cardFormat: 11311,
  wsAuthFailed: 514,
} as const;

export const Messages = {
  tokenMissing: 'Missing access token for authorization. Please make a request with token attached.',
  tokenInvalid: 'Invalid access token for authorization. Please make a request with token attached.',
  msgRateLimit: 'This operation triggers the frequency limit.',
  genericRateLimit: 'request trigger frequency limit',
  contentTooLong: 'The message content exceeds the length limit.',
} as const;

export interface FieldViolation {
  field: string;
  description: string;
}

/** A refusal: thrown by route handlers, turned into the HTTP answer by the emulator's error middleware. */
export class ApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: number,
    msg: string,
    readonly headers: Record<string, string> = {},
    readonly fieldViolations?: FieldViolation[],
  ) {
    super(msg);
    this.name = 'ApiError';
  }
}

/** im/v1 business error: HTTP 400 with the code in the body. */
export const badRequest = (code: number, msg: string): ApiError => new ApiError(400, code, msg);

/** 99992402 with `error.field_violations`, as the gateway answers for missing or malformed fields. */
export const fieldError = (field: string, description: string): ApiError =>
  new ApiError(400, Codes.fieldValidation, 'field validation failed', {}, [{ field, description }]);

/** 230001 with an `ext=` explanation, the way im/v1 reports a bad parameter. */
export const invalidParam = (ext: string): ApiError =>
  badRequest(Codes.msgInvalidParam, `Your request contains an invalid request parameter, ext=${ext}`);

export interface ErrorEnvelope {
  code: number;
  msg: string;
  error: { log_id: string; troubleshooter: string; field_violations?: FieldViolation[] };
}

export function errorEnvelope(code: number, msg: string, logId = newLogId(), violations?: FieldViolation[]): ErrorEnvelope {
  const troubleshooter = `排查建议查看(Troubleshooting suggestions): https://open.feishu.cn/search?code=${code}&log_id=${logId}`;
  return { code, msg, error: { log_id: logId, troubleshooter, ...(violations ? { field_violations: violations } : {}) } };
}
