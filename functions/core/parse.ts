// Boundary parsing: every form an SES notification reaches us in, validated with one schema. The
// unwrapping and the fast path are in read-notification.ts, the schema in notification-schema.ts.
import { ZOD_CHECKS } from "./notification-schema.ts";
import { type ParseResult, readNotification } from "./read-notification.ts";

export { zodSesNotification } from "./notification-schema.ts";
export {
  type Envelope,
  fastSesNotification,
  type ParseError,
  type ParseResult,
  type SesNotification,
} from "./read-notification.ts";

/**
 * Parse one SES notification in any of its forms: bare SES JSON (identity notification or
 * configuration-set event), an SNS envelope holding it as a string, or an SQS record whose body is
 * either. Strings are decoded as JSON first. Never throws: broken input is an `error` result.
 */
export function parseNotification(input: unknown): ParseResult {
  return readNotification(input, ZOD_CHECKS);
}
