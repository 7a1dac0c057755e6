package io.pagedstream.chaos;

import java.util.Locale;

/**
 * One case of the bad-input corpus ({@code bad-inputs/cases.jsonl} on the classpath): what goes in,
 * which service must answer it, and how.
 *
 * @param name short name, unique in the corpus
 * @param stage the service that answers it: ingest, batcher, processor or sink
 * @param input whether it is a line of the JSONL input or a record produced straight to a topic
 * @param line the raw line (without its newline) for {@link Input#LINE} cases, else null
 * @param recipe how {@link BadRecords} builds the record for the record cases, else null
 * @param keyed whether the record carries its id as the record key
 * @param answer what must come out for it
 * @param expect a fragment of the error message (or dead-letter reason) it must get
 * @param description one sentence for people
 */
public record BadInputCase(
    String name,
    String stage,
    Input input,
    byte[] line,
    String recipe,
    boolean keyed,
    Answer answer,
    String expect,
    String description) {

  /** Where the case enters the pipeline. */
  public enum Input {
    LINE("line"),
    REQUEST_RECORD("request-record"),
    BATCH_RECORD("batch-record"),
    COMPLETION_RECORD("completion-record");

    private final String label;

    Input(String label) {
      this.label = label;
    }

    static Input of(String label) {
      for (Input i : values()) {
        if (i.label.equals(label)) {
          return i;
        }
      }
      throw new IllegalArgumentException("unknown input kind '" + label + "'");
    }
  }

  /** What must come out for the case. */
  public enum Answer {
    /** Exactly one error result (finish_reason "error") under the case's id. */
    ERROR,
    /** No id can be read: a record on llm.dead-letter with the reason in its headers. */
    DEAD_LETTER,
    /** A record on the Connect sink's dead-letter topic (the sink cannot read it). */
    SINK_DEAD_LETTER;

    static Answer of(String label) {
      return valueOf(label.toUpperCase(Locale.ROOT).replace('-', '_'));
    }
  }

  /** True for cases that go through ingest as a line of the input file. */
  public boolean isLine() {
    return input == Input.LINE;
  }
}
