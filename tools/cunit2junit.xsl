<?xml version="1.0" encoding="UTF-8"?>
<!-- CUnit automated-mode results (the test runner in xml mode, gfl_tests with option xml PREFIX,
     writes PREFIX-Results.xml) to JUnit XML, the format CI servers and evaluators read.

     CUnit writes one CUNIT_RUN_TEST_RECORD per failed assertion (and one per
     passing test), so records are grouped by (suite, test name): a test with
     several failed assertions is one <testcase> with one <failure> each.
     A suite whose initialisation failed (CUNIT_RUN_SUITE_FAILURE) becomes a
     <testsuite> with an <error>.  Names are whitespace-normalised.

     Usage: xsltproc -o junit.xml tools/cunit2junit.xsl PREFIX-Results.xml -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="xml" indent="yes" encoding="UTF-8"/>

  <xsl:key name="test" match="CUNIT_RUN_TEST_RECORD"
           use="concat(normalize-space(ancestor::CUNIT_RUN_SUITE/*/SUITE_NAME), '|', normalize-space(*/TEST_NAME))"/>

  <!-- $firsts: the first record of each (suite, test) group (Muenchian grouping). -->
  <xsl:template match="/CUNIT_TEST_RUN_REPORT">
    <xsl:variable name="firsts"
                  select="//CUNIT_RUN_TEST_RECORD[generate-id() = generate-id(key('test',
                          concat(normalize-space(ancestor::CUNIT_RUN_SUITE/*/SUITE_NAME), '|',
                                 normalize-space(*/TEST_NAME)))[1])]"/>
    <xsl:variable name="failed"
                  select="$firsts[key('test', concat(normalize-space(ancestor::CUNIT_RUN_SUITE/*/SUITE_NAME), '|',
                                                     normalize-space(*/TEST_NAME)))/CUNIT_RUN_TEST_FAILURE]"/>
    <testsuites name="gfl" tests="{count($firsts)}" failures="{count($failed)}"
                errors="{count(//CUNIT_RUN_SUITE_FAILURE)}">
      <xsl:apply-templates select="CUNIT_RESULT_LISTING/CUNIT_RUN_SUITE"/>
    </testsuites>
  </xsl:template>

  <xsl:template match="CUNIT_RUN_SUITE">
    <xsl:variable name="name" select="normalize-space(*/SUITE_NAME)"/>
    <xsl:variable name="firsts"
                  select=".//CUNIT_RUN_TEST_RECORD[generate-id() = generate-id(key('test',
                          concat($name, '|', normalize-space(*/TEST_NAME)))[1])]"/>
    <xsl:variable name="failed"
                  select="$firsts[key('test', concat($name, '|', normalize-space(*/TEST_NAME)))/CUNIT_RUN_TEST_FAILURE]"/>
    <testsuite name="{$name}" tests="{count($firsts)}" failures="{count($failed)}"
               errors="{count(CUNIT_RUN_SUITE_FAILURE)}" skipped="0">
      <xsl:for-each select="CUNIT_RUN_SUITE_FAILURE">
        <error type="suite" message="{normalize-space(FAILURE_REASON)}"/>
      </xsl:for-each>
      <xsl:for-each select="$firsts">
        <xsl:variable name="test" select="normalize-space(*/TEST_NAME)"/>
        <testcase classname="gfl.{$name}" name="{$test}">
          <xsl:for-each select="key('test', concat($name, '|', $test))/CUNIT_RUN_TEST_FAILURE">
            <failure type="assertion" message="{normalize-space(CONDITION)}">
              <xsl:value-of select="concat(normalize-space(FILE_NAME), ':', normalize-space(LINE_NUMBER), ': ',
                                           normalize-space(CONDITION))"/>
            </failure>
          </xsl:for-each>
        </testcase>
      </xsl:for-each>
    </testsuite>
  </xsl:template>
</xsl:stylesheet>
