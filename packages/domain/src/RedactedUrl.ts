/**
 * A URL as foreman and its clients show it (the unauthenticated /healthz, logs, error messages):
 * without any `user:password@`. Works on text that is not a valid URL too (a message must not
 * leak a password the parser refused), by cutting everything from `://` to the last `@` of the
 * authority, as the WHATWG parser splits it. The request itself still carries them.
 */
export const withoutCredentials = (raw: string): string => raw.replace(/^([^:/?#]+:\/\/)[^/?#\\]*@/, "$1")
