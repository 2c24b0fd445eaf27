/**
 * The message of anything thrown: an Error's message (or another object's `message`, unless null or
 * undefined), else the thrown value itself as text.
 */
export function messageOf(thrown: unknown): string {
    const hasMessage = (typeof thrown === 'object' || typeof thrown === 'function') && thrown !== null;
    const message: unknown = hasMessage && 'message' in thrown ? thrown.message : undefined;
    return String(message ?? thrown);
}
