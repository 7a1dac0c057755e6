/**
 * The batcher: a Kafka Streams application that turns requests into batches a GPU processor can
 * hold.
 *
 * <pre>
 * llm.requests ──► check (RequestChecker) ──► pack (BatchPacker) ──► llm.batches
 *        │                 └─ bad request ──► error Completion ───► llm.completions
 *        └─ unreadable record (DeadLetterHandler) ──► llm.dead-letter (+ error Completion by id)
 * </pre>
 *
 * <h2>Per request</h2>
 *
 * {@link io.pagedstream.batcher.RequestChecker} reads the sampling parameters and the prompt
 * through core's {@code SamplingParams} and {@code RequestValidator} (text prompts are tokenized
 * here with the model's {@code tokenizer.json}; token ids must be inside the vocabulary; prompt
 * plus max_tokens must fit the model's positions) and estimates the request's KV cache as {@code
 * ceil((prompt + max_tokens) / block_size)} blocks through the processor's own {@code MemoryPlan}
 * ({@link io.pagedstream.batcher.KvEstimator}). A request larger than the whole budget, or wrong in
 * any other way, is answered at once by an error {@code Completion} ({@code Completions.error}) on
 * {@code llm.completions}, keyed by its id; the rest become {@code BatchedRequest}s (token ids,
 * {@code prompt_was_text}, estimate).
 *
 * <h2>Packing</h2>
 *
 * {@link io.pagedstream.batcher.BatchPacker} is bounded-space Best Fit (see its documentation for
 * the choice): each task keeps a few batches open, a request joins the one it fits best, a full
 * batch is sent at once, the fullest is sent when a request fits none and no more may be opened,
 * and a wall-clock punctuator sends batches open longer than the flush interval. Open batches live
 * in two in-memory, changelogged state stores ({@link io.pagedstream.batcher.OpenBatchStore}), so a
 * restarted or moved task restores them; batch ids are the application id, partition and offset of
 * the request that opened the batch.
 *
 * <h2>Exactly one result per request</h2>
 *
 * Under {@code exactly_once_v2} the state changes, the batches, the error completions and the dead
 * letters of a record commit in one transaction with its offset. Unreadable records (bad bytes,
 * unknown schema, tombstones, requests without an id) go to {@code llm.dead-letter} with the reason
 * in headers, plus an error completion when their id can be read, through the deserialization
 * handler's dead-letter records ({@link io.pagedstream.batcher.DeadLetterHandler}). A schema
 * registry outage is not a bad record: the thread fails, is replaced by {@link
 * io.pagedstream.batcher.BatcherService} and retries from the last commit.
 */
package io.pagedstream.batcher;
