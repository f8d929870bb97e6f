/** The message of a thrown value, for problem reports (never a stack: reports are read by people). */
export function errorReason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether a thrown value is a Node system error with the given code (ENOENT...). */
export function hasErrorCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
