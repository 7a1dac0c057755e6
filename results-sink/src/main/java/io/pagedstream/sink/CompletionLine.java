package io.pagedstream.sink;

/**
 * One completion ready to be written: the folder name of its job and its JSONL line (without the
 * newline).
 */
record CompletionLine(String jobDir, String json) {}
