package io.pagedstream.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

class CompletionSinkConfigTest {

  private static Map<String, String> errors(Map<String, String> props) {
    Config config = new CompletionSinkConnector().validate(props);
    Map<String, String> errors = new HashMap<>();
    for (ConfigValue value : config.configValues()) {
      if (!value.errorMessages().isEmpty()) {
        errors.put(value.name(), String.join("; ", value.errorMessages()));
      }
    }
    return errors;
  }

  @Test
  void everySettingIsDocumented() {
    for (ConfigDef.ConfigKey key : CompletionSinkConfig.CONFIG_DEF.configKeys().values()) {
      assertThat(key.documentation).as(key.name).isNotBlank();
    }
  }

  @Test
  void defaultsNeedOnlyAnOutputDirectory() {
    assertThat(errors(Map.of("output.dir", "/tmp/x"))).isEmpty();
    CompletionSinkConfig config = new CompletionSinkConfig(Map.of("output.dir", "/tmp/x"));
    assertThat(config.jobIdField()).isEqualTo("job_id");
    assertThat(config.extraFields()).isEmpty();
    assertThat(config.fileMaxBytes()).isZero();
    assertThat(config.fsync()).isTrue();
  }

  @Test
  void badValuesAreNamed() {
    Map<String, String> props =
        Map.of(
            "output.dir", "",
            "line.extra.fields", "job_id,timings",
            "job.default", "../up",
            "file.max.bytes", "-1",
            "flush.max.records", "0");
    assertThat(errors(props))
        .containsOnlyKeys(
            "output.dir",
            "line.extra.fields",
            "job.default",
            "file.max.bytes",
            "flush.max.records");
    assertThat(errors(Map.of())).containsKey("output.dir");
  }
}
