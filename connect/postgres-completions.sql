-- The table the Debezium JDBC sink (connect/postgres-sink.properties) upserts llm.completions
-- into: one row per request id. Create it before starting the connector: the sink would create it
-- itself (schema.evolution=basic), but cannot write the DEFAULT of the token_ids array that the
-- Avro schema declares ("No default value resolution for schema type ARRAY").
--   psql "$DATABASE" -f connect/postgres-completions.sql
-- Column names and order are those of the Avro record io.pagedstream.schemas.avro.Completion;
-- schema.evolution=basic adds columns for fields a later schema version adds.
CREATE TABLE IF NOT EXISTS llm_completions (
    id              text             PRIMARY KEY, -- the request id; re-deliveries update this row
    job_id          text             NOT NULL,    -- '' when the request named no job
    token_ids       integer[]        NOT NULL,    -- generated token ids, prompt excluded
    text            text,                         -- detokenized output; NULL without a tokenizer or on error
    finish_reason   text             NOT NULL,    -- 'length', 'stop' or 'error'
    error           text,                         -- why the request failed; NULL unless finish_reason = 'error'
    prompt_tokens   integer          NOT NULL,
    output_tokens   integer          NOT NULL,
    queue_ms        double precision NOT NULL,    -- submission to start of generation
    first_token_ms  double precision NOT NULL,    -- start of generation to first token; -1 when none
    generation_ms   double precision NOT NULL,    -- start of generation to last token
    batch_id        text,                         -- the GenerationBatch it ran in; NULL when none
    processor       text,                         -- the processor instance that produced it
    completed_at_ms bigint           NOT NULL,    -- epoch milliseconds
    cached          boolean          NOT NULL,    -- answered from the response cache
    choices         jsonb,                        -- with n > 1 or logprobs: every sample (index, token_ids, text, finish_reason, logprobs); NULL otherwise
    format          text             NOT NULL,    -- '' native, 'chat.completion' or 'text_completion' (an OpenAI batch line's endpoint)
    custom_id       text,                         -- the OpenAI batch line's custom_id; NULL for native requests
    model           text                          -- the model the OpenAI batch line named
);
