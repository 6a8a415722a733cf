package io.compactor.resp;

/**
 * A malformed request, reported in order after the commands decoded before it. The client gets
 * {@code -ERR Protocol error: <message>} once the earlier replies are out, then the connection closes,
 * as Redis does.
 *
 * @param message the text after {@code Protocol error: }, worded as Redis words it where Redis has a word
 */
public record ProtocolError(String message) {}
