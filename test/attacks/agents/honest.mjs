// An honest agent: records where it is, commits one file, exits 0. The persistence test runs it
// after a hostile one, to see whether anything the hostile one left behind fires.
import { begin, honestWork } from "./lib.mjs";

await begin("honest");
honestWork("honest");
