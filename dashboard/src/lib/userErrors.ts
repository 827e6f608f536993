export interface UserError {
  code: string;
  field: readonly string[] | null;
  message: string;
}

/** The form field a user error names (["input", "matchValue"] -> "matchValue"); "form" for none. */
export function fieldOf(error: UserError): string {
  const path = error.field ?? [];
  const name = path[0] === "input" ? path[1] : path[path.length - 1];
  return name ?? "form";
}

/** Messages by field; several errors on one field are joined. */
export function errorsByField(errors: readonly UserError[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const error of errors) {
    const field = fieldOf(error);
    out[field] = out[field] ? `${out[field]} ${error.message}` : error.message;
  }
  return out;
}
