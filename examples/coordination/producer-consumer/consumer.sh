#!/bin/sh
# consumer N: down(filled); down(mutex); remove item; up(mutex); up(empty) — N times.
A=${APPINIT_CLI:-appinit}   # APPINIT_CLI: how to run appinit when it is not on PATH
$A sem pc.empty Z                   # wait until all 8 slots are full: the producer now blocks
i=1
while [ "$i" -le "$1" ]; do
  $A sem pc.filled P
  $A sem pc.mutex P --undo
  item=$($A mq pc.buf recv)
  $A sem pc.mutex V --undo
  $A sem pc.empty V
  echo "consumed $item"
  i=$((i + 1))
done
