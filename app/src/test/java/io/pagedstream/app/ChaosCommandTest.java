package io.pagedstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A short {@code chaos} run: processors killed every few seconds and the Connect worker killed and
 * restarted, with bad inputs mixed in; nothing may be lost or duplicated.
 */
class ChaosCommandTest {

  @Test
  void aShortRunUnderFaultsLosesAndDuplicatesNothing() throws Exception {
    CommandLine cl = new CommandLine(new ChaosCommand());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    // long enough requests that the job outlasts a few fault ticks even on an idle machine
    int exit =
        cl.execute(
            "--requests",
            "200",
            "--processors",
            "2",
            "--kill-every",
            "3",
            "--restart-connect",
            "--bad-fraction",
            "0.05",
            "--max-tokens",
            "200",
            "--json");
    System.out.print(out);

    List<String> lines = out.toString().lines().toList();
    assertThat(lines).as("stdout; stderr:%n%s", err).isNotEmpty();
    JsonNode figures = new ObjectMapper().readTree(lines.get(lines.size() - 1));
    String context = out + "\n" + err;
    assertThat(figures.get("requests").asInt()).isEqualTo(200);
    assertThat(figures.get("lost").asInt()).as(context).isZero();
    assertThat(figures.get("duplicated").asInt()).as(context).isZero();
    assertThat(figures.get("bad_inputs").asInt()).isEqualTo(10);
    assertThat(figures.get("bad_inputs_answered").asInt()).as(context).isEqualTo(10);
    assertThat(figures.get("kills_survived").asInt()).as(context).isGreaterThanOrEqualTo(1);
    assertThat(figures.get("results").asInt()).isEqualTo(figures.get("expected_results").asInt());
    assertThat(figures.has("elapsed_s")).isTrue();
    assertThat(exit).as(context).isZero();
  }

  /**
   * The same on three replicated brokers (each a JVM of its own), one of which is SIGKILLed and
   * started again: leaderships and transaction coordinators move while the pipeline keeps going.
   */
  @Test
  void aShortRunOnThreeBrokersSurvivesABrokerKill() throws Exception {
    CommandLine cl = new CommandLine(new ChaosCommand());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit =
        cl.execute(
            "--brokers",
            "3",
            // the engine now answers 200 requests in ~15 s: an 8 s schedule sometimes had not
            // killed a broker by then
            "--kill-broker-every",
            "3",
            "--requests",
            "200",
            "--processors",
            "2",
            "--kill-every",
            "4",
            "--restart-connect",
            "--bad-fraction",
            "0.05",
            "--max-tokens",
            "200",
            "--json");
    System.out.print(out);

    List<String> lines = out.toString().lines().toList();
    assertThat(lines).as("stdout; stderr:%n%s", err).isNotEmpty();
    JsonNode figures = new ObjectMapper().readTree(lines.get(lines.size() - 1));
    String context = out + "\n" + err;
    assertThat(figures.get("lost").asInt()).as(context).isZero();
    assertThat(figures.get("duplicated").asInt()).as(context).isZero();
    assertThat(figures.get("bad_inputs_answered").asInt()).as(context).isEqualTo(10);
    assertThat(figures.get("broker_kills").asInt()).as(context).isGreaterThanOrEqualTo(1);
    assertThat(figures.get("broker_kills_survived").asInt())
        .as(context)
        .isEqualTo(figures.get("broker_kills").asInt());
    // every topic (internal ones, Streams changelogs, Connect's dead-letter queue) has 3 replicas,
    // 2 in sync
    assertThat(figures.get("under_replicated_topics").asInt()).as(context).isZero();
    assertThat(figures.get("results").asInt()).isEqualTo(figures.get("expected_results").asInt());
    assertThat(exit).as(context).isZero();
  }

  @Test
  void brokerKillsNeedAReplicatedCluster() {
    CommandLine cl = new CommandLine(new ChaosCommand());
    cl.setExecutionExceptionHandler(new OneLineErrors());
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err, true));
    assertThat(cl.execute("--kill-broker-every", "10", "--requests", "10")).isNotZero();
    assertThat(err.toString()).contains("--kill-broker-every needs a replicated cluster");
  }
}
