/**
 * The columns this tool's own CSV files add after a row's cells: a user fixes such a file and imports it again, and
 * the column matcher leaves these out as what they are.
 */

/** `import --rejects FILE`: where and why each row was rejected. */
export const REJECTS_COLUMNS = ['line', 'column', 'reason'] as const;

/** `dlq export`: why each row failed, and its line in the import's file. */
export const DLQ_EXPORT_COLUMNS = ['error_class', 'error_message', 'http_status', 'line'] as const;
