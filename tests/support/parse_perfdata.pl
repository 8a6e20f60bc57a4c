#!/usr/bin/perl
# Reads plugin output on stdin and prints what Monitoring::Plugin's own parser makes of it, one
# tab-separated line per performance value:
#   label value uom warning critical min max
# preceded by "text<TAB><status line before the '|'>" and "items<TAB><number of space-separated
# perfdata items>", so a caller can tell silently dropped items (the parser skips what it cannot
# read) from parsed ones. Threshold fields are re-parsed by Monitoring::Plugin::Range: a range the
# module cannot read prints as "!".
use strict;
use warnings;
use Monitoring::Plugin::Performance;
use Monitoring::Plugin::Range;

my $first = <STDIN>;
defined $first or die "no output\n";
chomp $first;
my ($text, $perf) = split /\|/, $first, 2;
$perf //= '';
$text =~ s/\s+$//;
print "text\t$text\n";
my $trimmed = $perf;
$trimmed =~ s/^\s+|\s+$//g;
# Count items the way the guidelines define them: space separated, quoted labels may hold spaces.
my @items = $trimmed =~ /('[^']*'=\S*|[^'\s]\S*)/g;
print "items\t", scalar(@items), "\n";
for my $p (Monitoring::Plugin::Performance->parse_perfstring($perf)) {
    my @fields = map { defined $_ ? $_ : '' } ($p->label, $p->value, $p->uom, $p->warning,
                                               $p->critical, $p->min, $p->max);
    for my $i (3, 4) {
        next if $fields[$i] eq '';
        $fields[$i] = '!' unless Monitoring::Plugin::Range->parse_range_string($fields[$i]);
    }
    print join("\t", 'perf', @fields), "\n";
}
