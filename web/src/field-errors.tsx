import { fieldId } from './settings-context.tsx';

/** The messages for one field, linked to its input by aria-describedby (`<id>-errors`). */
export function FieldErrors({ field, messages }: { field: string; messages: readonly string[] }) {
  if (messages.length === 0) return null;
  return (
    <ul className="field-errors" id={`${fieldId(field)}-errors`} data-testid="field-error" data-field={field}>
      {messages.map((message, i) => (
        <li key={i}>{message}</li>
      ))}
    </ul>
  );
}

/** aria props for an input with an optional hint and its errors. */
export function describedBy(field: string, messages: readonly string[], hasHint = false): { 'aria-invalid'?: true; 'aria-describedby'?: string } {
  const ids = [hasHint ? `${fieldId(field)}-hint` : null, messages.length > 0 ? `${fieldId(field)}-errors` : null].filter((id): id is string => id !== null);
  return { ...(messages.length > 0 ? { 'aria-invalid': true as const } : {}), ...(ids.length > 0 ? { 'aria-describedby': ids.join(' ') } : {}) };
}
