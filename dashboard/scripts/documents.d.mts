// Types of scripts/documents.mjs, for vite.config.ts and the tests.
export declare const MANIFEST_FILE: string;
export declare function trustedDocuments(operationsSource: string): Record<string, string>;
