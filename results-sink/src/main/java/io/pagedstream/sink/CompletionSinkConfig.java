package io.pagedstream.sink;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * The settings of {@link CompletionSinkConnector}, on top of Connect's own sink settings ({@code
 * topics}, {@code errors.*}, converters). Every value is checked when the connector is created, so
 * a bad one fails the REST call or the standalone start with a one-line message.
 */
public final class CompletionSinkConfig extends AbstractConfig {

  public static final String OUTPUT_DIR = "output.dir";
  public static final String JOB_ID_FIELD = "job.id.field";
  public static final String DEFAULT_JOB = "job.default";
  public static final String EXTRA_FIELDS = "line.extra.fields";
  public static final String FILE_MAX_BYTES = "file.max.bytes";
  public static final String FLUSH_MAX_RECORDS = "flush.max.records";
  public static final String FSYNC = "fsync";

  /** The fields {@link #EXTRA_FIELDS} may add after the product's own ones. */
  public static final List<String> EXTRA_FIELD_CHOICES = List.of("job_id", "cached");

  /** Job directory names the sink creates itself: never hidden, never a path. */
  static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,199}");

  public static final ConfigDef CONFIG_DEF =
      new ConfigDef()
          .define(
              OUTPUT_DIR,
              Type.STRING,
              ConfigDef.NO_DEFAULT_VALUE,
              new ConfigDef.NonEmptyStringWithoutControlChars(),
              Importance.HIGH,
              "Directory the result files go to: <output.dir>/<job>/part-<topic>-<partition>.jsonl."
                  + " Its hidden .pagedstream/ folder holds the commit records and the uncommitted"
                  + " data; the files and these records together are the connector's offsets, so"
                  + " give each connector its own directory, and with several workers a directory all"
                  + " of them share.")
          .define(
              JOB_ID_FIELD,
              Type.STRING,
              "job_id",
              new ConfigDef.NonEmptyString(),
              Importance.MEDIUM,
              "Field of the completion that names its job; each job gets its own folder.")
          .define(
              DEFAULT_JOB,
              Type.STRING,
              "no-job",
              ConfigDef.LambdaValidator.with(
                  (name, value) -> {
                    if (!SAFE_NAME.matcher(String.valueOf(value)).matches()) {
                      throw new ConfigException(name, value, "must match " + SAFE_NAME.pattern());
                    }
                  },
                  () -> "a folder name matching " + SAFE_NAME.pattern()),
              Importance.LOW,
              "Folder for completions whose job id is missing or empty.")
          .define(
              EXTRA_FIELDS,
              Type.LIST,
              List.of(),
              ConfigDef.ValidList.in(EXTRA_FIELD_CHOICES.toArray(String[]::new)),
              Importance.LOW,
              "Fields appended to each line after the product's own ones (id, token_ids, text,"
                  + " finish_reason, error, prompt_tokens, output_tokens): any of job_id, cached."
                  + " Empty gives lines identical to those of `pagedstream generate`.")
          .define(
              FILE_MAX_BYTES,
              Type.LONG,
              0L,
              ConfigDef.Range.atLeast(0),
              Importance.MEDIUM,
              "Roll over to a new file part-<topic>-<partition>.<n>.jsonl once a file holds at least"
                  + " this many bytes (checked at each commit, so files end a commit's worth past"
                  + " it). 0: never roll over.")
          .define(
              FLUSH_MAX_RECORDS,
              Type.INT,
              10_000,
              ConfigDef.Range.atLeast(1),
              Importance.MEDIUM,
              "Ask the worker for an early commit once a task holds this many uncommitted records;"
                  + " otherwise commits follow the worker's offset.flush.interval.ms.")
          .define(
              FSYNC,
              Type.BOOLEAN,
              true,
              Importance.LOW,
              "fsync data and commit records before a commit counts. Without it the files survive a"
                  + " crash of the worker process but not of the machine.");

  public CompletionSinkConfig(Map<?, ?> originals) {
    super(CONFIG_DEF, originals);
  }

  public Path outputDir() {
    return Path.of(getString(OUTPUT_DIR));
  }

  public String jobIdField() {
    return getString(JOB_ID_FIELD);
  }

  public String defaultJob() {
    return getString(DEFAULT_JOB);
  }

  public List<String> extraFields() {
    return getList(EXTRA_FIELDS);
  }

  public long fileMaxBytes() {
    return getLong(FILE_MAX_BYTES);
  }

  public int flushMaxRecords() {
    return getInt(FLUSH_MAX_RECORDS);
  }

  public boolean fsync() {
    return getBoolean(FSYNC);
  }
}
