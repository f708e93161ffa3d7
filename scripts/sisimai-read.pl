#!/usr/bin/perl
# Reads bounce cases (JSON array on stdin: {id, status?, diagnosticCode?, command?}) as Postfix-style
# delivery status notifications with Debian's Sisimai and prints its reading per case as JSON.
# A development aid only: nothing in the product or its tests depends on it.
use strict;
use warnings;
use JSON::PP;
use File::Temp qw(tempfile);
use Sisimai;

my $cases = do { local $/; JSON::PP->new->utf8->decode(<STDIN>) };
my ($fh, $path) = tempfile(SUFFIX => '.mbox', UNLINK => 1);
binmode $fh, ':encoding(UTF-8)';
for my $c (@$cases) {
    my $id = $c->{id};
    my $rcpt = "case-$id\@example.org";
    my $diag = $c->{diagnosticCode} // '';
    # Status: is mandatory in a DSN; when the case has none, take the code the diagnostic names.
    my $code = $c->{status};
    if( !defined $code || !length $code ) {
        if( $diag =~ /(?<![\w.])([245]\.\d{1,3}\.\d{1,3})(?!\.?\d)/ ) { $code = $1 }
        elsif( $diag =~ /(?:^|[\s;:#(])([245])[0-5]\d(?=[\s-]|$)/ ) { $code = "$1.0.0" }
        else { $code = '5.0.0' }
    }
    my ($type, $text) = $diag =~ /\A([\w-]+);\s*(.*)\z/s ? ($1, $2) : ('smtp', $diag);
    my $command = $c->{command} || 'RCPT TO';
    my $human = lc $type eq 'smtp'
        ? "<$rcpt>: host mx.example.org[192.0.2.1] said: $text (in reply to $command command)"
        : "<$rcpt>: $text";
    my $action = $code =~ /\A4/ && $c->{delayed} ? 'delayed' : 'failed';
    print $fh <<"MAIL";
From MAILER-DAEMON Mon Jan  1 00:00:00 2024
Return-Path: <>
Date: Mon, 1 Jan 2024 00:00:00 +0000 (UTC)
From: MAILER-DAEMON\@mx.example.net (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: sender\@example.jp
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="B-$id"
Message-Id: <dsn-$id\@mx.example.net>

--B-$id
Content-Description: Notification
Content-Type: text/plain; charset=utf-8

This is the mail system at host mx.example.net.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

                   The mail system

$human

--B-$id
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
X-Postfix-Queue-ID: Q$id
X-Postfix-Sender: rfc822; sender\@example.jp
Arrival-Date: Mon,  1 Jan 2024 00:00:00 +0000 (UTC)

Final-Recipient: rfc822; $rcpt
Original-Recipient: rfc822;$rcpt
Action: $action
Status: $code
Remote-MTA: dns; mx.example.org
Diagnostic-Code: $type; $text

--B-$id
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: sender\@example.jp
To: $rcpt
Subject: hello
Message-ID: <orig-$id\@example.jp>

--B-$id--

MAIL
}
close $fh;

my $out = {};
my $data = Sisimai->make($path) || [];
for my $d (@$data) {
    my ($id) = $d->recipient->address =~ /\Acase-(.+)\@example\.org\z/ or next;
    $out->{$id} = {
        reason => $d->reason,
        status => $d->deliverystatus,
        hard   => ($d->softbounce eq '0' ? JSON::PP::true : JSON::PP::false),
    };
}
print JSON::PP->new->utf8->canonical->encode($out), "\n";
