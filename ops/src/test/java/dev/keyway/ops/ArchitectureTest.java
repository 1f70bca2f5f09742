package dev.keyway.ops;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.time.Clock;
import java.time.Instant;
import java.util.Random;

/**
 * The dependency rules of DESIGN.md, checked on the main classes of every module (ops sees them
 * all on its test classpath). Maven's enforcer covers the module graph; these cover packages.
 */
@AnalyzeClasses(packages = "dev.keyway", importOptions = ArchitectureTest.MainClassesOnly.class)
class ArchitectureTest {

  /** Skips test classes and test-jars of every module. */
  static final class MainClassesOnly implements ImportOption {
    @Override
    public boolean includes(Location location) {
      return !location.contains("/test-classes/") && !location.contains("-tests.jar");
    }
  }

  @ArchTest
  static final ArchRule clientStaysEmbeddable =
      noClasses().that().resideInAPackage("dev.keyway.client..")
          .should().dependOnClassesThat().resideInAnyPackage(
              "io.vertx..", "io.netty..", "org.h2..", "org.postgresql..", "com.github.benmanes..",
              "io.micrometer..", "io.github.bucket4j..", "com.fasterxml..", "picocli..",
              "dev.keyway.relay..", "dev.keyway.dns..", "dev.keyway.gossip..", "dev.keyway.ops..")
          .because("discovery-client is embedded by applications: dnsjava, BouncyCastle and the JDK only");

  @ArchTest
  static final ArchRule relaySitsBelowDnsAndOps =
      noClasses().that().resideInAPackage("dev.keyway.relay..")
          .should().dependOnClassesThat().resideInAnyPackage("dev.keyway.dns..", "dev.keyway.gossip..", "dev.keyway.ops..")
          .allowEmptyShould(true);

  @ArchTest
  static final ArchRule dnsDoesNotReachSideways =
      noClasses().that().resideInAPackage("dev.keyway.dns..")
          .should().dependOnClassesThat().resideInAnyPackage("dev.keyway.gossip..", "dev.keyway.ops..")
          .allowEmptyShould(true);

  @ArchTest
  static final ArchRule gossipDependsOnlyOnTheClient =
      noClasses().that().resideInAPackage("dev.keyway.gossip..")
          .should().dependOnClassesThat().resideInAnyPackage("dev.keyway.relay..", "dev.keyway.dns..", "dev.keyway.ops..")
          .allowEmptyShould(true);

  @ArchTest
  static final ArchRule gossipProtoDoesNoIo =
      noClasses().that().resideInAPackage("dev.keyway.gossip.proto..")
          .should().dependOnClassesThat().resideInAnyPackage(
              "java.net..", "java.nio.channels..", "java.nio.file..", "io.vertx..", "io.netty..",
              "java.util.concurrent..", "java.lang.management..")
          .orShould().dependOnClassesThat().areAssignableTo(Thread.class)
          .orShould().dependOnClassesThat().areAssignableTo(Clock.class)
          .because("gossip.proto is a sans-IO state machine: time and randomness come in as arguments")
          .allowEmptyShould(true);

  @ArchTest
  static final ArchRule gossipProtoReadsNoClockAndMakesNoRandomness =
      noClasses().that().resideInAPackage("dev.keyway.gossip.proto..")
          .should().callMethod(System.class, "currentTimeMillis")
          .orShould().callMethod(System.class, "nanoTime")
          .orShould().callMethod(Instant.class, "now")
          .orShould().callConstructor(Random.class)
          .orShould().callMethod(Math.class, "random")
          .allowEmptyShould(true);
}
