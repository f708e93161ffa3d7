// Errors the Bounce Guard constructs throw while the app is being built, before anything is synthesized.

/** A construct prop was given a value the construct cannot deploy; the message names the prop and the value. */
export class InvalidPropsError extends Error {
  override readonly name = "InvalidPropsError";
}
