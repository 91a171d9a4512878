/** The digest of every source file the bundle is built from (see sourceDigest.mjs). */
export declare const sourceDigest: (cliRoot: string) => string
