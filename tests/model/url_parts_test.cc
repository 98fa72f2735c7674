// url_parts: the host and scheme helpers the entity extractor and the rule pack share.
#include "model/url_parts.h"

#include <gtest/gtest.h>

namespace spamguard {
namespace {

TEST(UrlPartsTest, AsciiLowerLeavesNonAsciiBytesAlone) {
  EXPECT_EQ(AsciiLower("WWW.Example.COM/Пример"), "www.example.com/Пример");
}

TEST(UrlPartsTest, AfterSchemeStripsSchemesAndSchemeRelativeSlashes) {
  EXPECT_EQ(AfterScheme("https://a.example/x"), "a.example/x");
  EXPECT_EQ(AfterScheme("//a.example/x"), "a.example/x");
  EXPECT_EQ(AfterScheme("a.example/x"), "a.example/x");
  EXPECT_EQ(AfterScheme("a.example/?u=http://b.example"), "a.example/?u=http://b.example");
  EXPECT_EQ(AfterScheme("www.a.example://b.example/x"), "www.a.example://b.example/x");
  EXPECT_EQ(AfterScheme("1http://b.example"), "1http://b.example");
  EXPECT_EQ(AfterScheme("svn+ssh://b.example"), "b.example");
}

TEST(UrlPartsTest, UrlHostDropsEverythingButTheHost) {
  EXPECT_EQ(UrlHost("https://user:pw@www.Example.com.:8080/path?q=1#f"), "www.Example.com");
  EXPECT_EQ(UrlHost("//cdn.example.org/lib.js"), "cdn.example.org");
  EXPECT_EQ(UrlHost("example.net"), "example.net");
  EXPECT_EQ(UrlHost(".example.net."), "example.net");
  EXPECT_EQ(UrlHost("example.net?x=http://other.example"), "example.net");
  EXPECT_EQ(UrlHost("http://[2001:db8::1]:443/x"), "[2001:db8::1]");
  EXPECT_EQ(UrlHost("https:///nothing"), "");
}

TEST(UrlPartsTest, BrowserUrlDropsWhatABrowserDrops) {
  EXPECT_EQ(BrowserUrl(" \thttp://a.exa\tmple/p\r\na\tth \n"), "http://a.example/path");
  EXPECT_EQ(BrowserUrl("http://a.example/a b"), "http://a.example/a b");
  EXPECT_EQ(BrowserUrl(""), "");
}

// A browser follows these to the first host; so must every rule that reads the host.
TEST(UrlPartsTest, UrlHostReadsDisguisedUrlsAsABrowserDoes) {
  EXPECT_EQ(UrlHost(" http://spam.example/"), "spam.example");
  EXPECT_EQ(UrlHost("\thttps://spam.example\n"), "spam.example");
  EXPECT_EQ(UrlHost("http://spa\tm.exam\r\nple/x"), "spam.example");
  EXPECT_EQ(UrlHost("www.spam.example://en.wikipedia.org/wiki/X"), "www.spam.example");
  EXPECT_EQ(UrlHost("http://spam.example\\@en.wikipedia.org/"), "spam.example");
  EXPECT_EQ(UrlHost("HTTP://SPAM.EXAMPLE"), "SPAM.EXAMPLE");
  EXPECT_EQ(UrlHost(""), "");
}

}  // namespace
}  // namespace spamguard
