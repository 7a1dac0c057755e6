/**
 * Ingest: prompts onto the pipeline. {@link io.pagedstream.ingest.JsonlIngest} reads a JSONL file
 * or stdin (the launcher's {@code pagedstream ingest} command drives it); {@link
 * io.pagedstream.ingest.PromptProducer} does the same for requests built in your own code.
 *
 * <h2>Every line ends as exactly one record</h2>
 *
 * <ul>
 *   <li>A request that can run goes to {@code llm.requests} as a {@code GenerationRequest}, key =
 *       its id. Token ids win over text when a line has both, so only the ids are written.
 *   <li>A line that cannot run gets an error {@code Completion} on {@code llm.completions} right
 *       away (finish_reason {@code "error"}, the one-line reason in {@code error}, the job id), so
 *       that nothing is silently dropped and the sinks see every line's result in one place.
 * </ul>
 *
 * <h2>Which checks happen where</h2>
 *
 * <p>At ingest, everything that holds for every model: the line is UTF-8, JSON, an object; the
 * fields have the right types; sampling parameters are in range ({@code max_tokens >= 1}, {@code
 * temperature >= 0}, {@code top_p} in (0, 1], {@code top_k >= 0}); there is a prompt ({@code
 * prompt} or {@code prompt_token_ids}), it is not empty, token ids are not negative; the id and job
 * id are at most {@value io.pagedstream.core.request.RequestValidator#MAX_ID_CHARS} characters; the
 * id is unique within the input; the record fits the topic's {@code max.message.bytes} and the
 * producer's {@code max.request.size}. In the batcher, everything that needs the model: tokenizing
 * text (and models without a tokenizer refusing text), token ids below the vocabulary size, and
 * prompt + max_tokens within the context length.
 *
 * <h2>Ids</h2>
 *
 * <p>A line's result is keyed by its {@code id}; a line without one, or whose id is unusable (too
 * long), is {@code line-N} (1-based line number). When a later line repeats an id, the first line
 * keeps it and the later one gets an error result {@code duplicate id "x" (already used on line K)}
 * under {@code line-N}: two results under one key would look like one request answered twice, and a
 * compacted topic would keep only one. Should {@code line-N} itself be taken by an explicit id,
 * {@code line-N~2}, {@code line-N~3} ... are used. Uniqueness is checked within one input (one
 * run); splitting a job over several files leaves it to the files.
 *
 * <h2>Delivery guarantees</h2>
 *
 * <p>The producer is always idempotent with {@code acks=all}: retries neither lose, duplicate nor
 * reorder records. By default a run is also transactional: lines are written in chunks (at most
 * {@code --chunk-lines}, committed at the latest {@code --chunk-max-ms} after the chunk's first
 * line), each chunk one Kafka transaction covering its requests, its error results and a progress
 * record (key = transactional id, on the compacted topic {@code llm.ingest-progress}: lines
 * committed, counts, job id and a fingerprint of those lines). Readers with {@code
 * isolation.level=read_committed} (the batcher, the sinks) see a chunk entirely or not at all.
 *
 * <p>The transactional id defaults to {@code pagedstream-ingest.<job id>.<file name or stdin>}. A
 * run that fails or is killed can be run again with the same {@code --job-id} (or {@code
 * --transactional-id}) and the same input: starting fences any earlier producer with that id and
 * aborts its open chunk, then the run reads its committed progress, re-reads and checks (by
 * fingerprint) the lines already committed without sending them, and goes on from the next line.
 * So, across any number of failed runs and one successful re-run, each line is on the topics
 * exactly once for read_committed readers. Different input under the same id is refused. A file
 * that was ingested completely and has grown since is continued with the new lines.
 *
 * <p>With {@code --no-transactions} (clusters without transaction rights), delivery is at least
 * once: a re-run sends every line again. {@link io.pagedstream.ingest.PromptProducer} is idempotent
 * but not transactional.
 */
package io.pagedstream.ingest;
