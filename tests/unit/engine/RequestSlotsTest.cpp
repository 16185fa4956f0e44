// The requests in flight on their own: a slot is given back by name,
// whatever became of the job.
#include <doctest/doctest.h>

#include "RequestSlots.h"

using namespace relinkd;

TEST_CASE("RequestSlots: counts the requests out against the concurrency") {
  RequestSlots slots;
  CHECK_FALSE(slots.full(1));
  slots.take("eu");
  CHECK(slots.holds("eu"));
  CHECK(slots.inFlight() == 1);
  CHECK(slots.full(1));
  CHECK_FALSE(slots.full(2));
  CHECK(slots.release("eu"));
  CHECK_FALSE(slots.holds("eu"));
  CHECK(slots.inFlight() == 0);
  CHECK_FALSE(slots.full(1));
}

TEST_CASE("RequestSlots: releasing a job that holds none changes nothing") {
  RequestSlots slots;
  slots.take("eu");
  CHECK_FALSE(slots.release("us"));
  CHECK(slots.inFlight() == 1);
  CHECK(slots.release("eu"));
  CHECK_FALSE(slots.release("eu"));  // an answer handled twice gives back one slot
  CHECK(slots.inFlight() == 0);
}

TEST_CASE("RequestSlots: a name with two requests out keeps its mark until both are back") {
  RequestSlots slots;
  slots.take("eu");  // the old job's request, its row deleted meanwhile
  slots.take("eu");  // the job made again under the same name
  CHECK(slots.inFlight() == 2);
  CHECK_FALSE(slots.release("eu"));
  CHECK(slots.holds("eu"));
  CHECK(slots.inFlight() == 1);
  CHECK(slots.release("eu"));
  CHECK(slots.inFlight() == 0);
}

TEST_CASE("RequestSlots: a copy is a checkpoint (a failed step restores it)") {
  RequestSlots slots;
  slots.take("eu");
  const RequestSlots saved = slots;
  slots.take("us");
  slots.release("eu");
  slots = saved;
  CHECK(slots.holds("eu"));
  CHECK_FALSE(slots.holds("us"));
  CHECK(slots.inFlight() == 1);
}
