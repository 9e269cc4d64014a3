package dev.ringkv.process;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;

class ServerLoggingTest {

  @TempDir Path dir;
  private final LoggerContext context = new LoggerContext();

  @BeforeEach
  void standAloneContext() {
    context.setMDCAdapter(new LogbackMDCAdapter()); // the JVM's own context gets it from SLF4J
  }

  @AfterEach
  void clearProperties() {
    context.stop();
    System.clearProperty(ProcessLog.NAME_PROPERTY);
    System.clearProperty(ProcessLog.FILE_PROPERTY);
    System.clearProperty("logback.configurationFile");
  }

  @Test
  void aServerLogsToItsLogFileEachLineNamingItAndGrpcOnlyFromWarnUp() throws Exception {
    Path file = dir.resolve("server3.log");
    ProcessLog.configure("server3", new String[] {"--port", "7", "--log-file", file.toString()});

    assertThat(configure()).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
    context.getLogger("dev.ringkv.Some").info("serving");
    context.getLogger("dev.ringkv.Some").debug("not at INFO");
    context.getLogger("io.grpc.netty.Conn").info("connection dropped");
    context.getLogger("io.grpc.netty.Conn").warn("stream broken");
    context.stop();

    assertThat(Files.readAllLines(file))
        .hasSize(2)
        .anySatisfy(line -> assertThat(line).matches(
            "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[server3\\] Some - serving"))
        .anySatisfy(line -> assertThat(line).endsWith("WARN  [server3] Conn - stream broken"));
  }

  @Test
  void theLogFileRollsAtTenMegabytesIntoFiveNumberedFiles() {
    Path file = dir.resolve("manager.log");
    ProcessLog.configure("manager", new String[] {"--log-file", file.toString()});
    configure();

    RollingFileAppender<?> appender = (RollingFileAppender<?>)
        context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("LOG");
    FixedWindowRollingPolicy rolling = (FixedWindowRollingPolicy) appender.getRollingPolicy();
    assertThat(rolling.getFileNamePattern()).isEqualTo(file + ".%i");
    assertThat(rolling.getMinIndex()).isEqualTo(1);
    assertThat(rolling.getMaxIndex()).isEqualTo(5);
    assertThat(appender.getTriggeringPolicy()).hasFieldOrPropertyWithValue("maxFileSize.size",
        10L * 1024 * 1024);
  }

  @Test
  void anOperatorsConfigurationFileTakesPrecedence() {
    System.setProperty("logback.configurationFile", dir.resolve("mine.xml").toString());

    assertThat(configure()).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
    assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext())
        .isFalse();
  }

  private ExecutionStatus configure() {
    ServerLogging logging = new ServerLogging();
    logging.setContext(context);
    return logging.configure(context);
  }
}
