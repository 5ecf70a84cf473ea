#!/usr/bin/env node
import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 251:
/***/ (function(module) {

/**
  * This file contains the Bottleneck library (MIT), compiled to ES2017, and without Clustering support.
  * https://github.com/SGrondin/bottleneck
  */
(function (global, factory) {
	 true ? module.exports = factory() :
	0;
}(this, (function () { 'use strict';

	var commonjsGlobal = typeof globalThis !== 'undefined' ? globalThis : typeof window !== 'undefined' ? window : typeof global !== 'undefined' ? global : typeof self !== 'undefined' ? self : {};

	function getCjsExportFromNamespace (n) {
		return n && n['default'] || n;
	}

	var load = function(received, defaults, onto = {}) {
	  var k, ref, v;
	  for (k in defaults) {
	    v = defaults[k];
	    onto[k] = (ref = received[k]) != null ? ref : v;
	  }
	  return onto;
	};

	var overwrite = function(received, defaults, onto = {}) {
	  var k, v;
	  for (k in received) {
	    v = received[k];
	    if (defaults[k] !== void 0) {
	      onto[k] = v;
	    }
	  }
	  return onto;
	};

	var parser = {
		load: load,
		overwrite: overwrite
	};

	var DLList;

	DLList = class DLList {
	  constructor(incr, decr) {
	    this.incr = incr;
	    this.decr = decr;
	    this._first = null;
	    this._last = null;
	    this.length = 0;
	  }

	  push(value) {
	    var node;
	    this.length++;
	    if (typeof this.incr === "function") {
	      this.incr();
	    }
	    node = {
	      value,
	      prev: this._last,
	      next: null
	    };
	    if (this._last != null) {
	      this._last.next = node;
	      this._last = node;
	    } else {
	      this._first = this._last = node;
	    }
	    return void 0;
	  }

	  shift() {
	    var value;
	    if (this._first == null) {
	      return;
	    } else {
	      this.length--;
	      if (typeof this.decr === "function") {
	        this.decr();
	      }
	    }
	    value = this._first.value;
	    if ((this._first = this._first.next) != null) {
	      this._first.prev = null;
	    } else {
	      this._last = null;
	    }
	    return value;
	  }

	  first() {
	    if (this._first != null) {
	      return this._first.value;
	    }
	  }

	  getArray() {
	    var node, ref, results;
	    node = this._first;
	    results = [];
	    while (node != null) {
	      results.push((ref = node, node = node.next, ref.value));
	    }
	    return results;
	  }

	  forEachShift(cb) {
	    var node;
	    node = this.shift();
	    while (node != null) {
	      (cb(node), node = this.shift());
	    }
	    return void 0;
	  }

	  debug() {
	    var node, ref, ref1, ref2, results;
	    node = this._first;
	    results = [];
	    while (node != null) {
	      results.push((ref = node, node = node.next, {
	        value: ref.value,
	        prev: (ref1 = ref.prev) != null ? ref1.value : void 0,
	        next: (ref2 = ref.next) != null ? ref2.value : void 0
	      }));
	    }
	    return results;
	  }

	};

	var DLList_1 = DLList;

	var Events;

	Events = class Events {
	  constructor(instance) {
	    this.instance = instance;
	    this._events = {};
	    if ((this.instance.on != null) || (this.instance.once != null) || (this.instance.removeAllListeners != null)) {
	      throw new Error("An Emitter already exists for this object");
	    }
	    this.instance.on = (name, cb) => {
	      return this._addListener(name, "many", cb);
	    };
	    this.instance.once = (name, cb) => {
	      return this._addListener(name, "once", cb);
	    };
	    this.instance.removeAllListeners = (name = null) => {
	      if (name != null) {
	        return delete this._events[name];
	      } else {
	        return this._events = {};
	      }
	    };
	  }

	  _addListener(name, status, cb) {
	    var base;
	    if ((base = this._events)[name] == null) {
	      base[name] = [];
	    }
	    this._events[name].push({cb, status});
	    return this.instance;
	  }

	  listenerCount(name) {
	    if (this._events[name] != null) {
	      return this._events[name].length;
	    } else {
	      return 0;
	    }
	  }

	  async trigger(name, ...args) {
	    var e, promises;
	    try {
	      if (name !== "debug") {
	        this.trigger("debug", `Event triggered: ${name}`, args);
	      }
	      if (this._events[name] == null) {
	        return;
	      }
	      this._events[name] = this._events[name].filter(function(listener) {
	        return listener.status !== "none";
	      });
	      promises = this._events[name].map(async(listener) => {
	        var e, returned;
	        if (listener.status === "none") {
	          return;
	        }
	        if (listener.status === "once") {
	          listener.status = "none";
	        }
	        try {
	          returned = typeof listener.cb === "function" ? listener.cb(...args) : void 0;
	          if (typeof (returned != null ? returned.then : void 0) === "function") {
	            return (await returned);
	          } else {
	            return returned;
	          }
	        } catch (error) {
	          e = error;
	          {
	            this.trigger("error", e);
	          }
	          return null;
	        }
	      });
	      return ((await Promise.all(promises))).find(function(x) {
	        return x != null;
	      });
	    } catch (error) {
	      e = error;
	      {
	        this.trigger("error", e);
	      }
	      return null;
	    }
	  }

	};

	var Events_1 = Events;

	var DLList$1, Events$1, Queues;

	DLList$1 = DLList_1;

	Events$1 = Events_1;

	Queues = class Queues {
	  constructor(num_priorities) {
	    var i;
	    this.Events = new Events$1(this);
	    this._length = 0;
	    this._lists = (function() {
	      var j, ref, results;
	      results = [];
	      for (i = j = 1, ref = num_priorities; (1 <= ref ? j <= ref : j >= ref); i = 1 <= ref ? ++j : --j) {
	        results.push(new DLList$1((() => {
	          return this.incr();
	        }), (() => {
	          return this.decr();
	        })));
	      }
	      return results;
	    }).call(this);
	  }

	  incr() {
	    if (this._length++ === 0) {
	      return this.Events.trigger("leftzero");
	    }
	  }

	  decr() {
	    if (--this._length === 0) {
	      return this.Events.trigger("zero");
	    }
	  }

	  push(job) {
	    return this._lists[job.options.priority].push(job);
	  }

	  queued(priority) {
	    if (priority != null) {
	      return this._lists[priority].length;
	    } else {
	      return this._length;
	    }
	  }

	  shiftAll(fn) {
	    return this._lists.forEach(function(list) {
	      return list.forEachShift(fn);
	    });
	  }

	  getFirst(arr = this._lists) {
	    var j, len, list;
	    for (j = 0, len = arr.length; j < len; j++) {
	      list = arr[j];
	      if (list.length > 0) {
	        return list;
	      }
	    }
	    return [];
	  }

	  shiftLastFrom(priority) {
	    return this.getFirst(this._lists.slice(priority).reverse()).shift();
	  }

	};

	var Queues_1 = Queues;

	var BottleneckError;

	BottleneckError = class BottleneckError extends Error {};

	var BottleneckError_1 = BottleneckError;

	var BottleneckError$1, DEFAULT_PRIORITY, Job, NUM_PRIORITIES, parser$1;

	NUM_PRIORITIES = 10;

	DEFAULT_PRIORITY = 5;

	parser$1 = parser;

	BottleneckError$1 = BottleneckError_1;

	Job = class Job {
	  constructor(task, args, options, jobDefaults, rejectOnDrop, Events, _states, Promise) {
	    this.task = task;
	    this.args = args;
	    this.rejectOnDrop = rejectOnDrop;
	    this.Events = Events;
	    this._states = _states;
	    this.Promise = Promise;
	    this.options = parser$1.load(options, jobDefaults);
	    this.options.priority = this._sanitizePriority(this.options.priority);
	    if (this.options.id === jobDefaults.id) {
	      this.options.id = `${this.options.id}-${this._randomIndex()}`;
	    }
	    this.promise = new this.Promise((_resolve, _reject) => {
	      this._resolve = _resolve;
	      this._reject = _reject;
	    });
	    this.retryCount = 0;
	  }

	  _sanitizePriority(priority) {
	    var sProperty;
	    sProperty = ~~priority !== priority ? DEFAULT_PRIORITY : priority;
	    if (sProperty < 0) {
	      return 0;
	    } else if (sProperty > NUM_PRIORITIES - 1) {
	      return NUM_PRIORITIES - 1;
	    } else {
	      return sProperty;
	    }
	  }

	  _randomIndex() {
	    return Math.random().toString(36).slice(2);
	  }

	  doDrop({error, message = "This job has been dropped by Bottleneck"} = {}) {
	    if (this._states.remove(this.options.id)) {
	      if (this.rejectOnDrop) {
	        this._reject(error != null ? error : new BottleneckError$1(message));
	      }
	      this.Events.trigger("dropped", {args: this.args, options: this.options, task: this.task, promise: this.promise});
	      return true;
	    } else {
	      return false;
	    }
	  }

	  _assertStatus(expected) {
	    var status;
	    status = this._states.jobStatus(this.options.id);
	    if (!(status === expected || (expected === "DONE" && status === null))) {
	      throw new BottleneckError$1(`Invalid job status ${status}, expected ${expected}. Please open an issue at https://github.com/SGrondin/bottleneck/issues`);
	    }
	  }

	  doReceive() {
	    this._states.start(this.options.id);
	    return this.Events.trigger("received", {args: this.args, options: this.options});
	  }

	  doQueue(reachedHWM, blocked) {
	    this._assertStatus("RECEIVED");
	    this._states.next(this.options.id);
	    return this.Events.trigger("queued", {args: this.args, options: this.options, reachedHWM, blocked});
	  }

	  doRun() {
	    if (this.retryCount === 0) {
	      this._assertStatus("QUEUED");
	      this._states.next(this.options.id);
	    } else {
	      this._assertStatus("EXECUTING");
	    }
	    return this.Events.trigger("scheduled", {args: this.args, options: this.options});
	  }

	  async doExecute(chained, clearGlobalState, run, free) {
	    var error, eventInfo, passed;
	    if (this.retryCount === 0) {
	      this._assertStatus("RUNNING");
	      this._states.next(this.options.id);
	    } else {
	      this._assertStatus("EXECUTING");
	    }
	    eventInfo = {args: this.args, options: this.options, retryCount: this.retryCount};
	    this.Events.trigger("executing", eventInfo);
	    try {
	      passed = (await (chained != null ? chained.schedule(this.options, this.task, ...this.args) : this.task(...this.args)));
	      if (clearGlobalState()) {
	        this.doDone(eventInfo);
	        await free(this.options, eventInfo);
	        this._assertStatus("DONE");
	        return this._resolve(passed);
	      }
	    } catch (error1) {
	      error = error1;
	      return this._onFailure(error, eventInfo, clearGlobalState, run, free);
	    }
	  }

	  doExpire(clearGlobalState, run, free) {
	    var error, eventInfo;
	    if (this._states.jobStatus(this.options.id === "RUNNING")) {
	      this._states.next(this.options.id);
	    }
	    this._assertStatus("EXECUTING");
	    eventInfo = {args: this.args, options: this.options, retryCount: this.retryCount};
	    error = new BottleneckError$1(`This job timed out after ${this.options.expiration} ms.`);
	    return this._onFailure(error, eventInfo, clearGlobalState, run, free);
	  }

	  async _onFailure(error, eventInfo, clearGlobalState, run, free) {
	    var retry, retryAfter;
	    if (clearGlobalState()) {
	      retry = (await this.Events.trigger("failed", error, eventInfo));
	      if (retry != null) {
	        retryAfter = ~~retry;
	        this.Events.trigger("retry", `Retrying ${this.options.id} after ${retryAfter} ms`, eventInfo);
	        this.retryCount++;
	        return run(retryAfter);
	      } else {
	        this.doDone(eventInfo);
	        await free(this.options, eventInfo);
	        this._assertStatus("DONE");
	        return this._reject(error);
	      }
	    }
	  }

	  doDone(eventInfo) {
	    this._assertStatus("EXECUTING");
	    this._states.next(this.options.id);
	    return this.Events.trigger("done", eventInfo);
	  }

	};

	var Job_1 = Job;

	var BottleneckError$2, LocalDatastore, parser$2;

	parser$2 = parser;

	BottleneckError$2 = BottleneckError_1;

	LocalDatastore = class LocalDatastore {
	  constructor(instance, storeOptions, storeInstanceOptions) {
	    this.instance = instance;
	    this.storeOptions = storeOptions;
	    this.clientId = this.instance._randomIndex();
	    parser$2.load(storeInstanceOptions, storeInstanceOptions, this);
	    this._nextRequest = this._lastReservoirRefresh = this._lastReservoirIncrease = Date.now();
	    this._running = 0;
	    this._done = 0;
	    this._unblockTime = 0;
	    this.ready = this.Promise.resolve();
	    this.clients = {};
	    this._startHeartbeat();
	  }

	  _startHeartbeat() {
	    var base;
	    if ((this.heartbeat == null) && (((this.storeOptions.reservoirRefreshInterval != null) && (this.storeOptions.reservoirRefreshAmount != null)) || ((this.storeOptions.reservoirIncreaseInterval != null) && (this.storeOptions.reservoirIncreaseAmount != null)))) {
	      return typeof (base = (this.heartbeat = setInterval(() => {
	        var amount, incr, maximum, now, reservoir;
	        now = Date.now();
	        if ((this.storeOptions.reservoirRefreshInterval != null) && now >= this._lastReservoirRefresh + this.storeOptions.reservoirRefreshInterval) {
	          this._lastReservoirRefresh = now;
	          this.storeOptions.reservoir = this.storeOptions.reservoirRefreshAmount;
	          this.instance._drainAll(this.computeCapacity());
	        }
	        if ((this.storeOptions.reservoirIncreaseInterval != null) && now >= this._lastReservoirIncrease + this.storeOptions.reservoirIncreaseInterval) {
	          ({
	            reservoirIncreaseAmount: amount,
	            reservoirIncreaseMaximum: maximum,
	            reservoir
	          } = this.storeOptions);
	          this._lastReservoirIncrease = now;
	          incr = maximum != null ? Math.min(amount, maximum - reservoir) : amount;
	          if (incr > 0) {
	            this.storeOptions.reservoir += incr;
	            return this.instance._drainAll(this.computeCapacity());
	          }
	        }
	      }, this.heartbeatInterval))).unref === "function" ? base.unref() : void 0;
	    } else {
	      return clearInterval(this.heartbeat);
	    }
	  }

	  async __publish__(message) {
	    await this.yieldLoop();
	    return this.instance.Events.trigger("message", message.toString());
	  }

	  async __disconnect__(flush) {
	    await this.yieldLoop();
	    clearInterval(this.heartbeat);
	    return this.Promise.resolve();
	  }

	  yieldLoop(t = 0) {
	    return new this.Promise(function(resolve, reject) {
	      return setTimeout(resolve, t);
	    });
	  }

	  computePenalty() {
	    var ref;
	    return (ref = this.storeOptions.penalty) != null ? ref : (15 * this.storeOptions.minTime) || 5000;
	  }

	  async __updateSettings__(options) {
	    await this.yieldLoop();
	    parser$2.overwrite(options, options, this.storeOptions);
	    this._startHeartbeat();
	    this.instance._drainAll(this.computeCapacity());
	    return true;
	  }

	  async __running__() {
	    await this.yieldLoop();
	    return this._running;
	  }

	  async __queued__() {
	    await this.yieldLoop();
	    return this.instance.queued();
	  }

	  async __done__() {
	    await this.yieldLoop();
	    return this._done;
	  }

	  async __groupCheck__(time) {
	    await this.yieldLoop();
	    return (this._nextRequest + this.timeout) < time;
	  }

	  computeCapacity() {
	    var maxConcurrent, reservoir;
	    ({maxConcurrent, reservoir} = this.storeOptions);
	    if ((maxConcurrent != null) && (reservoir != null)) {
	      return Math.min(maxConcurrent - this._running, reservoir);
	    } else if (maxConcurrent != null) {
	      return maxConcurrent - this._running;
	    } else if (reservoir != null) {
	      return reservoir;
	    } else {
	      return null;
	    }
	  }

	  conditionsCheck(weight) {
	    var capacity;
	    capacity = this.computeCapacity();
	    return (capacity == null) || weight <= capacity;
	  }

	  async __incrementReservoir__(incr) {
	    var reservoir;
	    await this.yieldLoop();
	    reservoir = this.storeOptions.reservoir += incr;
	    this.instance._drainAll(this.computeCapacity());
	    return reservoir;
	  }

	  async __currentReservoir__() {
	    await this.yieldLoop();
	    return this.storeOptions.reservoir;
	  }

	  isBlocked(now) {
	    return this._unblockTime >= now;
	  }

	  check(weight, now) {
	    return this.conditionsCheck(weight) && (this._nextRequest - now) <= 0;
	  }

	  async __check__(weight) {
	    var now;
	    await this.yieldLoop();
	    now = Date.now();
	    return this.check(weight, now);
	  }

	  async __register__(index, weight, expiration) {
	    var now, wait;
	    await this.yieldLoop();
	    now = Date.now();
	    if (this.conditionsCheck(weight)) {
	      this._running += weight;
	      if (this.storeOptions.reservoir != null) {
	        this.storeOptions.reservoir -= weight;
	      }
	      wait = Math.max(this._nextRequest - now, 0);
	      this._nextRequest = now + wait + this.storeOptions.minTime;
	      return {
	        success: true,
	        wait,
	        reservoir: this.storeOptions.reservoir
	      };
	    } else {
	      return {
	        success: false
	      };
	    }
	  }

	  strategyIsBlock() {
	    return this.storeOptions.strategy === 3;
	  }

	  async __submit__(queueLength, weight) {
	    var blocked, now, reachedHWM;
	    await this.yieldLoop();
	    if ((this.storeOptions.maxConcurrent != null) && weight > this.storeOptions.maxConcurrent) {
	      throw new BottleneckError$2(`Impossible to add a job having a weight of ${weight} to a limiter having a maxConcurrent setting of ${this.storeOptions.maxConcurrent}`);
	    }
	    now = Date.now();
	    reachedHWM = (this.storeOptions.highWater != null) && queueLength === this.storeOptions.highWater && !this.check(weight, now);
	    blocked = this.strategyIsBlock() && (reachedHWM || this.isBlocked(now));
	    if (blocked) {
	      this._unblockTime = now + this.computePenalty();
	      this._nextRequest = this._unblockTime + this.storeOptions.minTime;
	      this.instance._dropAllQueued();
	    }
	    return {
	      reachedHWM,
	      blocked,
	      strategy: this.storeOptions.strategy
	    };
	  }

	  async __free__(index, weight) {
	    await this.yieldLoop();
	    this._running -= weight;
	    this._done += weight;
	    this.instance._drainAll(this.computeCapacity());
	    return {
	      running: this._running
	    };
	  }

	};

	var LocalDatastore_1 = LocalDatastore;

	var BottleneckError$3, States;

	BottleneckError$3 = BottleneckError_1;

	States = class States {
	  constructor(status1) {
	    this.status = status1;
	    this._jobs = {};
	    this.counts = this.status.map(function() {
	      return 0;
	    });
	  }

	  next(id) {
	    var current, next;
	    current = this._jobs[id];
	    next = current + 1;
	    if ((current != null) && next < this.status.length) {
	      this.counts[current]--;
	      this.counts[next]++;
	      return this._jobs[id]++;
	    } else if (current != null) {
	      this.counts[current]--;
	      return delete this._jobs[id];
	    }
	  }

	  start(id) {
	    var initial;
	    initial = 0;
	    this._jobs[id] = initial;
	    return this.counts[initial]++;
	  }

	  remove(id) {
	    var current;
	    current = this._jobs[id];
	    if (current != null) {
	      this.counts[current]--;
	      delete this._jobs[id];
	    }
	    return current != null;
	  }

	  jobStatus(id) {
	    var ref;
	    return (ref = this.status[this._jobs[id]]) != null ? ref : null;
	  }

	  statusJobs(status) {
	    var k, pos, ref, results, v;
	    if (status != null) {
	      pos = this.status.indexOf(status);
	      if (pos < 0) {
	        throw new BottleneckError$3(`status must be one of ${this.status.join(', ')}`);
	      }
	      ref = this._jobs;
	      results = [];
	      for (k in ref) {
	        v = ref[k];
	        if (v === pos) {
	          results.push(k);
	        }
	      }
	      return results;
	    } else {
	      return Object.keys(this._jobs);
	    }
	  }

	  statusCounts() {
	    return this.counts.reduce(((acc, v, i) => {
	      acc[this.status[i]] = v;
	      return acc;
	    }), {});
	  }

	};

	var States_1 = States;

	var DLList$2, Sync;

	DLList$2 = DLList_1;

	Sync = class Sync {
	  constructor(name, Promise) {
	    this.schedule = this.schedule.bind(this);
	    this.name = name;
	    this.Promise = Promise;
	    this._running = 0;
	    this._queue = new DLList$2();
	  }

	  isEmpty() {
	    return this._queue.length === 0;
	  }

	  async _tryToRun() {
	    var args, cb, error, reject, resolve, returned, task;
	    if ((this._running < 1) && this._queue.length > 0) {
	      this._running++;
	      ({task, args, resolve, reject} = this._queue.shift());
	      cb = (await (async function() {
	        try {
	          returned = (await task(...args));
	          return function() {
	            return resolve(returned);
	          };
	        } catch (error1) {
	          error = error1;
	          return function() {
	            return reject(error);
	          };
	        }
	      })());
	      this._running--;
	      this._tryToRun();
	      return cb();
	    }
	  }

	  schedule(task, ...args) {
	    var promise, reject, resolve;
	    resolve = reject = null;
	    promise = new this.Promise(function(_resolve, _reject) {
	      resolve = _resolve;
	      return reject = _reject;
	    });
	    this._queue.push({task, args, resolve, reject});
	    this._tryToRun();
	    return promise;
	  }

	};

	var Sync_1 = Sync;

	var version = "2.19.5";
	var version$1 = {
		version: version
	};

	var version$2 = /*#__PURE__*/Object.freeze({
		version: version,
		default: version$1
	});

	var require$$2 = () => console.log('You must import the full version of Bottleneck in order to use this feature.');

	var require$$3 = () => console.log('You must import the full version of Bottleneck in order to use this feature.');

	var require$$4 = () => console.log('You must import the full version of Bottleneck in order to use this feature.');

	var Events$2, Group, IORedisConnection$1, RedisConnection$1, Scripts$1, parser$3;

	parser$3 = parser;

	Events$2 = Events_1;

	RedisConnection$1 = require$$2;

	IORedisConnection$1 = require$$3;

	Scripts$1 = require$$4;

	Group = (function() {
	  class Group {
	    constructor(limiterOptions = {}) {
	      this.deleteKey = this.deleteKey.bind(this);
	      this.limiterOptions = limiterOptions;
	      parser$3.load(this.limiterOptions, this.defaults, this);
	      this.Events = new Events$2(this);
	      this.instances = {};
	      this.Bottleneck = Bottleneck_1;
	      this._startAutoCleanup();
	      this.sharedConnection = this.connection != null;
	      if (this.connection == null) {
	        if (this.limiterOptions.datastore === "redis") {
	          this.connection = new RedisConnection$1(Object.assign({}, this.limiterOptions, {Events: this.Events}));
	        } else if (this.limiterOptions.datastore === "ioredis") {
	          this.connection = new IORedisConnection$1(Object.assign({}, this.limiterOptions, {Events: this.Events}));
	        }
	      }
	    }

	    key(key = "") {
	      var ref;
	      return (ref = this.instances[key]) != null ? ref : (() => {
	        var limiter;
	        limiter = this.instances[key] = new this.Bottleneck(Object.assign(this.limiterOptions, {
	          id: `${this.id}-${key}`,
	          timeout: this.timeout,
	          connection: this.connection
	        }));
	        this.Events.trigger("created", limiter, key);
	        return limiter;
	      })();
	    }

	    async deleteKey(key = "") {
	      var deleted, instance;
	      instance = this.instances[key];
	      if (this.connection) {
	        deleted = (await this.connection.__runCommand__(['del', ...Scripts$1.allKeys(`${this.id}-${key}`)]));
	      }
	      if (instance != null) {
	        delete this.instances[key];
	        await instance.disconnect();
	      }
	      return (instance != null) || deleted > 0;
	    }

	    limiters() {
	      var k, ref, results, v;
	      ref = this.instances;
	      results = [];
	      for (k in ref) {
	        v = ref[k];
	        results.push({
	          key: k,
	          limiter: v
	        });
	      }
	      return results;
	    }

	    keys() {
	      return Object.keys(this.instances);
	    }

	    async clusterKeys() {
	      var cursor, end, found, i, k, keys, len, next, start;
	      if (this.connection == null) {
	        return this.Promise.resolve(this.keys());
	      }
	      keys = [];
	      cursor = null;
	      start = `b_${this.id}-`.length;
	      end = "_settings".length;
	      while (cursor !== 0) {
	        [next, found] = (await this.connection.__runCommand__(["scan", cursor != null ? cursor : 0, "match", `b_${this.id}-*_settings`, "count", 10000]));
	        cursor = ~~next;
	        for (i = 0, len = found.length; i < len; i++) {
	          k = found[i];
	          keys.push(k.slice(start, -end));
	        }
	      }
	      return keys;
	    }

	    _startAutoCleanup() {
	      var base;
	      clearInterval(this.interval);
	      return typeof (base = (this.interval = setInterval(async() => {
	        var e, k, ref, results, time, v;
	        time = Date.now();
	        ref = this.instances;
	        results = [];
	        for (k in ref) {
	          v = ref[k];
	          try {
	            if ((await v._store.__groupCheck__(time))) {
	              results.push(this.deleteKey(k));
	            } else {
	              results.push(void 0);
	            }
	          } catch (error) {
	            e = error;
	            results.push(v.Events.trigger("error", e));
	          }
	        }
	        return results;
	      }, this.timeout / 2))).unref === "function" ? base.unref() : void 0;
	    }

	    updateSettings(options = {}) {
	      parser$3.overwrite(options, this.defaults, this);
	      parser$3.overwrite(options, options, this.limiterOptions);
	      if (options.timeout != null) {
	        return this._startAutoCleanup();
	      }
	    }

	    disconnect(flush = true) {
	      var ref;
	      if (!this.sharedConnection) {
	        return (ref = this.connection) != null ? ref.disconnect(flush) : void 0;
	      }
	    }

	  }
	  Group.prototype.defaults = {
	    timeout: 1000 * 60 * 5,
	    connection: null,
	    Promise: Promise,
	    id: "group-key"
	  };

	  return Group;

	}).call(commonjsGlobal);

	var Group_1 = Group;

	var Batcher, Events$3, parser$4;

	parser$4 = parser;

	Events$3 = Events_1;

	Batcher = (function() {
	  class Batcher {
	    constructor(options = {}) {
	      this.options = options;
	      parser$4.load(this.options, this.defaults, this);
	      this.Events = new Events$3(this);
	      this._arr = [];
	      this._resetPromise();
	      this._lastFlush = Date.now();
	    }

	    _resetPromise() {
	      return this._promise = new this.Promise((res, rej) => {
	        return this._resolve = res;
	      });
	    }

	    _flush() {
	      clearTimeout(this._timeout);
	      this._lastFlush = Date.now();
	      this._resolve();
	      this.Events.trigger("batch", this._arr);
	      this._arr = [];
	      return this._resetPromise();
	    }

	    add(data) {
	      var ret;
	      this._arr.push(data);
	      ret = this._promise;
	      if (this._arr.length === this.maxSize) {
	        this._flush();
	      } else if ((this.maxTime != null) && this._arr.length === 1) {
	        this._timeout = setTimeout(() => {
	          return this._flush();
	        }, this.maxTime);
	      }
	      return ret;
	    }

	  }
	  Batcher.prototype.defaults = {
	    maxTime: null,
	    maxSize: null,
	    Promise: Promise
	  };

	  return Batcher;

	}).call(commonjsGlobal);

	var Batcher_1 = Batcher;

	var require$$4$1 = () => console.log('You must import the full version of Bottleneck in order to use this feature.');

	var require$$8 = getCjsExportFromNamespace(version$2);

	var Bottleneck, DEFAULT_PRIORITY$1, Events$4, Job$1, LocalDatastore$1, NUM_PRIORITIES$1, Queues$1, RedisDatastore$1, States$1, Sync$1, parser$5,
	  splice = [].splice;

	NUM_PRIORITIES$1 = 10;

	DEFAULT_PRIORITY$1 = 5;

	parser$5 = parser;

	Queues$1 = Queues_1;

	Job$1 = Job_1;

	LocalDatastore$1 = LocalDatastore_1;

	RedisDatastore$1 = require$$4$1;

	Events$4 = Events_1;

	States$1 = States_1;

	Sync$1 = Sync_1;

	Bottleneck = (function() {
	  class Bottleneck {
	    constructor(options = {}, ...invalid) {
	      var storeInstanceOptions, storeOptions;
	      this._addToQueue = this._addToQueue.bind(this);
	      this._validateOptions(options, invalid);
	      parser$5.load(options, this.instanceDefaults, this);
	      this._queues = new Queues$1(NUM_PRIORITIES$1);
	      this._scheduled = {};
	      this._states = new States$1(["RECEIVED", "QUEUED", "RUNNING", "EXECUTING"].concat(this.trackDoneStatus ? ["DONE"] : []));
	      this._limiter = null;
	      this.Events = new Events$4(this);
	      this._submitLock = new Sync$1("submit", this.Promise);
	      this._registerLock = new Sync$1("register", this.Promise);
	      storeOptions = parser$5.load(options, this.storeDefaults, {});
	      this._store = (function() {
	        if (this.datastore === "redis" || this.datastore === "ioredis" || (this.connection != null)) {
	          storeInstanceOptions = parser$5.load(options, this.redisStoreDefaults, {});
	          return new RedisDatastore$1(this, storeOptions, storeInstanceOptions);
	        } else if (this.datastore === "local") {
	          storeInstanceOptions = parser$5.load(options, this.localStoreDefaults, {});
	          return new LocalDatastore$1(this, storeOptions, storeInstanceOptions);
	        } else {
	          throw new Bottleneck.prototype.BottleneckError(`Invalid datastore type: ${this.datastore}`);
	        }
	      }).call(this);
	      this._queues.on("leftzero", () => {
	        var ref;
	        return (ref = this._store.heartbeat) != null ? typeof ref.ref === "function" ? ref.ref() : void 0 : void 0;
	      });
	      this._queues.on("zero", () => {
	        var ref;
	        return (ref = this._store.heartbeat) != null ? typeof ref.unref === "function" ? ref.unref() : void 0 : void 0;
	      });
	    }

	    _validateOptions(options, invalid) {
	      if (!((options != null) && typeof options === "object" && invalid.length === 0)) {
	        throw new Bottleneck.prototype.BottleneckError("Bottleneck v2 takes a single object argument. Refer to https://github.com/SGrondin/bottleneck#upgrading-to-v2 if you're upgrading from Bottleneck v1.");
	      }
	    }

	    ready() {
	      return this._store.ready;
	    }

	    clients() {
	      return this._store.clients;
	    }

	    channel() {
	      return `b_${this.id}`;
	    }

	    channel_client() {
	      return `b_${this.id}_${this._store.clientId}`;
	    }

	    publish(message) {
	      return this._store.__publish__(message);
	    }

	    disconnect(flush = true) {
	      return this._store.__disconnect__(flush);
	    }

	    chain(_limiter) {
	      this._limiter = _limiter;
	      return this;
	    }

	    queued(priority) {
	      return this._queues.queued(priority);
	    }

	    clusterQueued() {
	      return this._store.__queued__();
	    }

	    empty() {
	      return this.queued() === 0 && this._submitLock.isEmpty();
	    }

	    running() {
	      return this._store.__running__();
	    }

	    done() {
	      return this._store.__done__();
	    }

	    jobStatus(id) {
	      return this._states.jobStatus(id);
	    }

	    jobs(status) {
	      return this._states.statusJobs(status);
	    }

	    counts() {
	      return this._states.statusCounts();
	    }

	    _randomIndex() {
	      return Math.random().toString(36).slice(2);
	    }

	    check(weight = 1) {
	      return this._store.__check__(weight);
	    }

	    _clearGlobalState(index) {
	      if (this._scheduled[index] != null) {
	        clearTimeout(this._scheduled[index].expiration);
	        delete this._scheduled[index];
	        return true;
	      } else {
	        return false;
	      }
	    }

	    async _free(index, job, options, eventInfo) {
	      var e, running;
	      try {
	        ({running} = (await this._store.__free__(index, options.weight)));
	        this.Events.trigger("debug", `Freed ${options.id}`, eventInfo);
	        if (running === 0 && this.empty()) {
	          return this.Events.trigger("idle");
	        }
	      } catch (error1) {
	        e = error1;
	        return this.Events.trigger("error", e);
	      }
	    }

	    _run(index, job, wait) {
	      var clearGlobalState, free, run;
	      job.doRun();
	      clearGlobalState = this._clearGlobalState.bind(this, index);
	      run = this._run.bind(this, index, job);
	      free = this._free.bind(this, index, job);
	      return this._scheduled[index] = {
	        timeout: setTimeout(() => {
	          return job.doExecute(this._limiter, clearGlobalState, run, free);
	        }, wait),
	        expiration: job.options.expiration != null ? setTimeout(function() {
	          return job.doExpire(clearGlobalState, run, free);
	        }, wait + job.options.expiration) : void 0,
	        job: job
	      };
	    }

	    _drainOne(capacity) {
	      return this._registerLock.schedule(() => {
	        var args, index, next, options, queue;
	        if (this.queued() === 0) {
	          return this.Promise.resolve(null);
	        }
	        queue = this._queues.getFirst();
	        ({options, args} = next = queue.first());
	        if ((capacity != null) && options.weight > capacity) {
	          return this.Promise.resolve(null);
	        }
	        this.Events.trigger("debug", `Draining ${options.id}`, {args, options});
	        index = this._randomIndex();
	        return this._store.__register__(index, options.weight, options.expiration).then(({success, wait, reservoir}) => {
	          var empty;
	          this.Events.trigger("debug", `Drained ${options.id}`, {success, args, options});
	          if (success) {
	            queue.shift();
	            empty = this.empty();
	            if (empty) {
	              this.Events.trigger("empty");
	            }
	            if (reservoir === 0) {
	              this.Events.trigger("depleted", empty);
	            }
	            this._run(index, next, wait);
	            return this.Promise.resolve(options.weight);
	          } else {
	            return this.Promise.resolve(null);
	          }
	        });
	      });
	    }

	    _drainAll(capacity, total = 0) {
	      return this._drainOne(capacity).then((drained) => {
	        var newCapacity;
	        if (drained != null) {
	          newCapacity = capacity != null ? capacity - drained : capacity;
	          return this._drainAll(newCapacity, total + drained);
	        } else {
	          return this.Promise.resolve(total);
	        }
	      }).catch((e) => {
	        return this.Events.trigger("error", e);
	      });
	    }

	    _dropAllQueued(message) {
	      return this._queues.shiftAll(function(job) {
	        return job.doDrop({message});
	      });
	    }

	    stop(options = {}) {
	      var done, waitForExecuting;
	      options = parser$5.load(options, this.stopDefaults);
	      waitForExecuting = (at) => {
	        var finished;
	        finished = () => {
	          var counts;
	          counts = this._states.counts;
	          return (counts[0] + counts[1] + counts[2] + counts[3]) === at;
	        };
	        return new this.Promise((resolve, reject) => {
	          if (finished()) {
	            return resolve();
	          } else {
	            return this.on("done", () => {
	              if (finished()) {
	                this.removeAllListeners("done");
	                return resolve();
	              }
	            });
	          }
	        });
	      };
	      done = options.dropWaitingJobs ? (this._run = function(index, next) {
	        return next.doDrop({
	          message: options.dropErrorMessage
	        });
	      }, this._drainOne = () => {
	        return this.Promise.resolve(null);
	      }, this._registerLock.schedule(() => {
	        return this._submitLock.schedule(() => {
	          var k, ref, v;
	          ref = this._scheduled;
	          for (k in ref) {
	            v = ref[k];
	            if (this.jobStatus(v.job.options.id) === "RUNNING") {
	              clearTimeout(v.timeout);
	              clearTimeout(v.expiration);
	              v.job.doDrop({
	                message: options.dropErrorMessage
	              });
	            }
	          }
	          this._dropAllQueued(options.dropErrorMessage);
	          return waitForExecuting(0);
	        });
	      })) : this.schedule({
	        priority: NUM_PRIORITIES$1 - 1,
	        weight: 0
	      }, () => {
	        return waitForExecuting(1);
	      });
	      this._receive = function(job) {
	        return job._reject(new Bottleneck.prototype.BottleneckError(options.enqueueErrorMessage));
	      };
	      this.stop = () => {
	        return this.Promise.reject(new Bottleneck.prototype.BottleneckError("stop() has already been called"));
	      };
	      return done;
	    }

	    async _addToQueue(job) {
	      var args, blocked, error, options, reachedHWM, shifted, strategy;
	      ({args, options} = job);
	      try {
	        ({reachedHWM, blocked, strategy} = (await this._store.__submit__(this.queued(), options.weight)));
	      } catch (error1) {
	        error = error1;
	        this.Events.trigger("debug", `Could not queue ${options.id}`, {args, options, error});
	        job.doDrop({error});
	        return false;
	      }
	      if (blocked) {
	        job.doDrop();
	        return true;
	      } else if (reachedHWM) {
	        shifted = strategy === Bottleneck.prototype.strategy.LEAK ? this._queues.shiftLastFrom(options.priority) : strategy === Bottleneck.prototype.strategy.OVERFLOW_PRIORITY ? this._queues.shiftLastFrom(options.priority + 1) : strategy === Bottleneck.prototype.strategy.OVERFLOW ? job : void 0;
	        if (shifted != null) {
	          shifted.doDrop();
	        }
	        if ((shifted == null) || strategy === Bottleneck.prototype.strategy.OVERFLOW) {
	          if (shifted == null) {
	            job.doDrop();
	          }
	          return reachedHWM;
	        }
	      }
	      job.doQueue(reachedHWM, blocked);
	      this._queues.push(job);
	      await this._drainAll();
	      return reachedHWM;
	    }

	    _receive(job) {
	      if (this._states.jobStatus(job.options.id) != null) {
	        job._reject(new Bottleneck.prototype.BottleneckError(`A job with the same id already exists (id=${job.options.id})`));
	        return false;
	      } else {
	        job.doReceive();
	        return this._submitLock.schedule(this._addToQueue, job);
	      }
	    }

	    submit(...args) {
	      var cb, fn, job, options, ref, ref1, task;
	      if (typeof args[0] === "function") {
	        ref = args, [fn, ...args] = ref, [cb] = splice.call(args, -1);
	        options = parser$5.load({}, this.jobDefaults);
	      } else {
	        ref1 = args, [options, fn, ...args] = ref1, [cb] = splice.call(args, -1);
	        options = parser$5.load(options, this.jobDefaults);
	      }
	      task = (...args) => {
	        return new this.Promise(function(resolve, reject) {
	          return fn(...args, function(...args) {
	            return (args[0] != null ? reject : resolve)(args);
	          });
	        });
	      };
	      job = new Job$1(task, args, options, this.jobDefaults, this.rejectOnDrop, this.Events, this._states, this.Promise);
	      job.promise.then(function(args) {
	        return typeof cb === "function" ? cb(...args) : void 0;
	      }).catch(function(args) {
	        if (Array.isArray(args)) {
	          return typeof cb === "function" ? cb(...args) : void 0;
	        } else {
	          return typeof cb === "function" ? cb(args) : void 0;
	        }
	      });
	      return this._receive(job);
	    }

	    schedule(...args) {
	      var job, options, task;
	      if (typeof args[0] === "function") {
	        [task, ...args] = args;
	        options = {};
	      } else {
	        [options, task, ...args] = args;
	      }
	      job = new Job$1(task, args, options, this.jobDefaults, this.rejectOnDrop, this.Events, this._states, this.Promise);
	      this._receive(job);
	      return job.promise;
	    }

	    wrap(fn) {
	      var schedule, wrapped;
	      schedule = this.schedule.bind(this);
	      wrapped = function(...args) {
	        return schedule(fn.bind(this), ...args);
	      };
	      wrapped.withOptions = function(options, ...args) {
	        return schedule(options, fn, ...args);
	      };
	      return wrapped;
	    }

	    async updateSettings(options = {}) {
	      await this._store.__updateSettings__(parser$5.overwrite(options, this.storeDefaults));
	      parser$5.overwrite(options, this.instanceDefaults, this);
	      return this;
	    }

	    currentReservoir() {
	      return this._store.__currentReservoir__();
	    }

	    incrementReservoir(incr = 0) {
	      return this._store.__incrementReservoir__(incr);
	    }

	  }
	  Bottleneck.default = Bottleneck;

	  Bottleneck.Events = Events$4;

	  Bottleneck.version = Bottleneck.prototype.version = require$$8.version;

	  Bottleneck.strategy = Bottleneck.prototype.strategy = {
	    LEAK: 1,
	    OVERFLOW: 2,
	    OVERFLOW_PRIORITY: 4,
	    BLOCK: 3
	  };

	  Bottleneck.BottleneckError = Bottleneck.prototype.BottleneckError = BottleneckError_1;

	  Bottleneck.Group = Bottleneck.prototype.Group = Group_1;

	  Bottleneck.RedisConnection = Bottleneck.prototype.RedisConnection = require$$2;

	  Bottleneck.IORedisConnection = Bottleneck.prototype.IORedisConnection = require$$3;

	  Bottleneck.Batcher = Bottleneck.prototype.Batcher = Batcher_1;

	  Bottleneck.prototype.jobDefaults = {
	    priority: DEFAULT_PRIORITY$1,
	    weight: 1,
	    expiration: null,
	    id: "<no-id>"
	  };

	  Bottleneck.prototype.storeDefaults = {
	    maxConcurrent: null,
	    minTime: 0,
	    highWater: null,
	    strategy: Bottleneck.prototype.strategy.LEAK,
	    penalty: null,
	    reservoir: null,
	    reservoirRefreshInterval: null,
	    reservoirRefreshAmount: null,
	    reservoirIncreaseInterval: null,
	    reservoirIncreaseAmount: null,
	    reservoirIncreaseMaximum: null
	  };

	  Bottleneck.prototype.localStoreDefaults = {
	    Promise: Promise,
	    timeout: null,
	    heartbeatInterval: 250
	  };

	  Bottleneck.prototype.redisStoreDefaults = {
	    Promise: Promise,
	    timeout: null,
	    heartbeatInterval: 5000,
	    clientTimeout: 10000,
	    Redis: null,
	    clientOptions: {},
	    clusterNodes: null,
	    clearDatastore: false,
	    connection: null
	  };

	  Bottleneck.prototype.instanceDefaults = {
	    datastore: "local",
	    connection: null,
	    id: "<no-id>",
	    rejectOnDrop: true,
	    trackDoneStatus: false,
	    Promise: Promise
	  };

	  Bottleneck.prototype.stopDefaults = {
	    enqueueErrorMessage: "This limiter has been stopped and cannot accept new jobs.",
	    dropWaitingJobs: true,
	    dropErrorMessage: "This limiter has been stopped."
	  };

	  return Bottleneck;

	}).call(commonjsGlobal);

	var Bottleneck_1 = Bottleneck;

	var lib = Bottleneck_1;

	return lib;

})));


/***/ }),

/***/ 7:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  Iv: () => (/* binding */ goalStatsMain)
});

// UNUSED EXPORTS: GOAL_STATS_USAGE, formatReport, parseSince

;// CONCATENATED MODULE: ./src/core/budget.ts
/**
 * Whether new claims must wait for tomorrow (UTC): the recorded cost of today reached the
 * budget. Runs that reported no cost cannot count, and the message says so. Runs in flight
 * are not stopped; only new claims wait.
 */
function budgetExhausted(budget, today) {
    if (budget === null || today.knownUsd < budget.amountUsd)
        return null;
    const unknown = today.unknownRuns > 0 ? ` (plus ${today.unknownRuns} run(s) that reported no cost)` : "";
    return `Today's recorded cost ${formatUsd(today.knownUsd)}${unknown} reached the budget of ${formatUsd(budget.amountUsd)}/day: nothing new is claimed until 00:00 UTC. Runs in flight finish.`;
}
/** `$5.50 + 1 run(s) without a cost of $20.00 (3 run(s))`: a day's cost for people. */
function describeDayCost(today, budget) {
    const unknown = today.unknownRuns > 0 ? ` + ${today.unknownRuns} run(s) without a cost` : "";
    const limit = budget ? ` of ${formatUsd(budget.amountUsd)}` : "";
    return `${formatUsd(today.knownUsd)}${unknown}${limit} (${today.runs} run(s))`;
}
/** `$1,234.50`. */
function formatUsd(amount) {
    return `$${amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}
/** Start of the UTC day that `now` is in. */
function utcMidnight(now) {
    return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

;// CONCATENATED MODULE: ./src/core/errors.ts
/** An error whose message is written for the person running the tool: it says what was wrong and what is accepted. */
class errors_UserError extends Error {
    constructor(message) {
        super(message);
        this.name = "UserError";
    }
}
/** A goal issue body that cannot be used; `problems` lists every problem found, not just the first. */
class errors_GoalBodyError extends errors_UserError {
    problems;
    constructor(problems) {
        super(`The goal body has ${describeCount(problems.length)}:\n${problems.map((p) => `- ${p}`).join("\n")}`);
        this.name = "GoalBodyError";
        this.problems = [...problems];
    }
}
function describeCount(count) {
    return count === 1 ? "1 problem" : `${count} problems`;
}

;// CONCATENATED MODULE: ./src/core/duration.ts

/** Durations as people write them in settings: `90m`, `4h`, `1h30m`, `2h15m30s`. */
const UNIT_SECONDS = { h: 3600, m: 60, s: 1 };
const UNIT_ORDER = ["h", "m", "s"];
const PART = /(\d+)([a-z]+)/gy;
const DURATION_FORMS = "hours, minutes and seconds like 90m, 4h or 1h30m";
/** Parses a duration into whole seconds; throws a UserError naming `key` otherwise. */
function parseDuration(text, key = "duration") {
    const seconds = tryParseDuration(text);
    if (seconds !== null)
        return seconds;
    throw new UserError(`Invalid duration for "${key}": "${text}". Use ${DURATION_FORMS}.${durationHint(String(text))}`);
}
/** A hint for common mistakes (a bare number, zero), starting with a space; "" when none applies. */
function durationHint(text) {
    const compact = text.trim();
    if (/^[0hms]+$/i.test(compact) && /\d/.test(compact))
        return " It must be longer than zero.";
    if (/^\d+$/.test(compact))
        return ` Add a unit, like ${compact}m.`;
    return "";
}
/** Like parseDuration, but returns null instead of throwing. */
function tryParseDuration(text) {
    if (typeof text !== "string")
        return null;
    // Spaces are allowed between parts ("1h 30m"), never inside one ("1 30m" is not 130m).
    const trimmed = text
        .trim()
        .replace(/([a-z])\s+(?=\d)/gi, "$1")
        .toLowerCase();
    if (trimmed === "")
        return null;
    let total = 0;
    let lastUnit = -1;
    let consumed = 0;
    for (const match of trimmed.matchAll(PART)) {
        const unitIndex = UNIT_ORDER.indexOf(match[2]);
        // Units must be known, appear once each, and go from largest to smallest.
        if (unitIndex <= lastUnit)
            return null;
        lastUnit = unitIndex;
        total += Number(match[1]) * UNIT_SECONDS[UNIT_ORDER[unitIndex]];
        consumed += match[0].length;
    }
    if (consumed !== trimmed.length || total <= 0 || !Number.isSafeInteger(total))
        return null;
    return total;
}
/** `1h30m`, `45s`, `4h`; zero is `0s`. */
function formatDuration(seconds) {
    const whole = Math.max(0, Math.round(seconds));
    const h = Math.floor(whole / 3600);
    const m = Math.floor((whole % 3600) / 60);
    const s = whole % 60;
    const text = `${h > 0 ? `${h}h` : ""}${m > 0 ? `${m}m` : ""}${s > 0 ? `${s}s` : ""}`;
    return text === "" ? "0s" : text;
}

;// CONCATENATED MODULE: ./src/core/issue-ref.ts

// GitHub logins: letters, digits and hyphens, not starting with a hyphen, at most 39 characters;
// "_" appears in Enterprise Managed User logins (login_shortcode).
const OWNER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,38}$/;
// Repository names: letters, digits, ".", "_" and "-", at most 100 characters.
const REPO_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;
const OWNER_SOURCE = "[A-Za-z0-9][A-Za-z0-9_-]{0,38}";
const REPO_SOURCE = "[A-Za-z0-9._-]{1,100}";
const NUMBER_SOURCE = "[1-9][0-9]{0,9}";
const SHORT_REF = new RegExp(`^#?(${NUMBER_SOURCE})$`);
const QUALIFIED_REF = new RegExp(`^(${OWNER_SOURCE})/(${REPO_SOURCE})#(${NUMBER_SOURCE})$`);
const URL_REF = new RegExp(`^https?://[^/\\s]+/(${OWNER_SOURCE})/(${REPO_SOURCE})/issues/(${NUMBER_SOURCE})/?(?:[?#]\\S*)?$`);
function isValidRepoName(repo) {
    return REPO_PATTERN.test(repo) && repo !== "." && repo !== "..";
}
function isValidOwner(owner) {
    return OWNER_PATTERN.test(owner);
}
/** Parses "owner/name", the form GitHub Actions gives in GITHUB_REPOSITORY. */
function parseRepo(text) {
    const trimmed = text.trim();
    const parts = trimmed.split("/");
    const [owner, repo] = parts;
    if (parts.length !== 2 || owner === undefined || repo === undefined) {
        throw new errors_UserError(`Invalid repository "${text}": use owner/name, like octo-org/my-repo.`);
    }
    if (!isValidOwner(owner)) {
        throw new errors_UserError(`Invalid repository "${text}": owner "${owner}" may only hold letters, digits and hyphens (not first), at most 39 characters.`);
    }
    if (!isValidRepoName(repo)) {
        throw new errors_UserError(`Invalid repository "${text}": name "${repo}" may only hold letters, digits, ".", "_" and "-", at most 100 characters.`);
    }
    return { owner, repo };
}
function formatRepo(ref) {
    return `${ref.owner}/${ref.repo}`;
}
function sameRepo(a, b) {
    // GitHub owner and repository names are case-insensitive.
    return (a.owner.toLowerCase() === b.owner.toLowerCase() && a.repo.toLowerCase() === b.repo.toLowerCase());
}
function sameIssue(a, b) {
    return a.number === b.number && sameRepo(a, b);
}
/** A case-insensitive key for maps and sets of issues. */
function issueKey(ref) {
    return `${ref.owner.toLowerCase()}/${ref.repo.toLowerCase()}#${ref.number}`;
}
/** Like parseIssueRef, but returns null instead of throwing. */
function tryParseIssueRef(text, defaultRepo) {
    const trimmed = text.trim();
    const short = SHORT_REF.exec(trimmed);
    if (short)
        return { owner: defaultRepo.owner, repo: defaultRepo.repo, number: Number(short[1]) };
    const match = QUALIFIED_REF.exec(trimmed) ?? URL_REF.exec(trimmed);
    if (!match)
        return null;
    const [, owner = "", repo = "", number = ""] = match;
    if (!isValidRepoName(repo))
        return null;
    return { owner, repo, number: Number(number) };
}
/** Accepts `#12`, `12`, `owner/repo#7` and issue URLs such as `https://github.com/owner/repo/issues/7`. */
function parseIssueRef(text, defaultRepo) {
    const ref = tryParseIssueRef(text, defaultRepo);
    if (ref === null) {
        throw new UserError(`Invalid issue reference "${text}": use #12, 12, owner/repo#12 or an issue URL like https://github.com/owner/repo/issues/12.`);
    }
    return ref;
}
/** `#12` when the issue lives in `relativeTo`, else `owner/repo#12`. */
function issue_ref_formatIssueRef(ref, relativeTo) {
    if (relativeTo !== undefined && sameRepo(ref, relativeTo))
        return `#${ref.number}`;
    return `${formatRepo(ref)}#${ref.number}`;
}

;// CONCATENATED MODULE: external "node:os"
const external_node_os_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");
;// CONCATENATED MODULE: external "node:path"
const external_node_path_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");
;// CONCATENATED MODULE: external "node:fs/promises"
const promises_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");
;// CONCATENATED MODULE: ./src/flows/run-stats.ts



const round = (value) => Math.round(value * 10) / 10;
function buildStatsRecord(input) {
    const wall = round((input.finishedAt.getTime() - input.startedAt.getTime()) / 1000);
    const agentSeconds = input.agentSeconds === null ? null : round(input.agentSeconds);
    const agent = input.agent;
    return {
        v: 1,
        repository: input.repository,
        goal: input.goal,
        story: input.story,
        attempt: input.attempt,
        outcome: input.outcome,
        reason: input.reason,
        started_at: input.startedAt.toISOString(),
        finished_at: input.finishedAt.toISOString(),
        wall_seconds: wall,
        agent_seconds: agentSeconds,
        overhead_seconds: agentSeconds === null ? null : round(Math.max(0, wall - agentSeconds)),
        agent_exit_code: input.agentExitCode,
        exit_reason: agent?.exit_reason ?? null,
        iterations: agent?.iterations ?? null,
        tokens: agent
            ? { ...agent.tokens }
            : { input: null, output: null, cache_read: null, cache_create: null },
        cost_usd: agent?.cost_usd ?? null,
        time_seconds: agent
            ? { ...agent.time_seconds }
            : { llm: null, tools: null, other: null, total: null },
        // What git measured; the agent's own count only when there is no diff to measure.
        lines_added: input.diff?.linesAdded ?? agent?.lines_added ?? null,
        lines_deleted: input.diff?.linesDeleted ?? agent?.lines_deleted ?? null,
        files_changed: input.diff?.filesChanged ?? null,
        model: input.model,
        reasoning: input.reasoning,
        pr_url: input.prUrl,
    };
}
/** A Markdown table of the figures a person looks at first. */
function statsTable(record) {
    const show = (value, unit = "") => value === null || value === undefined ? "unknown" : `${value}${unit}`;
    const tokens = record.tokens;
    const rows = [
        ["outcome", record.outcome],
        ["attempt", String(record.attempt)],
        ["model", `${record.model} (reasoning ${record.reasoning})`],
        ["wall time", show(record.wall_seconds, " s")],
        ["agent time", show(record.agent_seconds, " s")],
        ["agent exit", `${show(record.agent_exit_code)} (${show(record.exit_reason)})`],
        ["iterations", show(record.iterations)],
        [
            "tokens in / out",
            `${show(tokens.input)} / ${show(tokens.output)} (cache read ${show(tokens.cache_read)}, created ${show(tokens.cache_create)})`,
        ],
        ["cost", record.cost_usd === null ? "unknown" : `$${record.cost_usd.toFixed(2)}`],
        [
            "lines added / deleted",
            `${show(record.lines_added)} / ${show(record.lines_deleted)} in ${show(record.files_changed)} file(s)`,
        ],
    ];
    const cell = (text) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
    return ["| | |", "|---|---|", ...rows.map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`)].join("\n");
}
/** `$XDG_STATE_HOME/goal-orchestrator/stats.jsonl` (default `~/.local/state/…`). */
function defaultStateDir(env) {
    const base = env.XDG_STATE_HOME || (0,external_node_path_namespaceObject.join)(env.HOME || (0,external_node_os_namespaceObject.homedir)(), ".local", "state");
    return (0,external_node_path_namespaceObject.join)(base, "goal-orchestrator");
}
async function appendStatsLine(file, record) {
    await mkdir(dirname(file), { recursive: true });
    await appendFile(file, `${JSON.stringify(record)}\n`);
}

;// CONCATENATED MODULE: ./src/flows/run-locations.ts



function runnerLocations(env) {
    const home = env.HOME || (0,external_node_os_namespaceObject.homedir)();
    const cacheHome = env.XDG_CACHE_HOME || (0,external_node_path_namespaceObject.join)(home, ".cache");
    const stateDir = defaultStateDir(env);
    return {
        workspaceRoot: (0,external_node_path_namespaceObject.join)(cacheHome, "goal-orchestrator", "workspaces"),
        logDir: (0,external_node_path_namespaceObject.join)(stateDir, "logs"),
        statsFile: (0,external_node_path_namespaceObject.join)(stateDir, "stats.jsonl"),
    };
}

;// CONCATENATED MODULE: external "node:crypto"
const external_node_crypto_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");
;// CONCATENATED MODULE: ./src/stats/dashboard-page.ts
// The dashboard page's own style and script, inlined by renderDashboard. The script is plain
// browser JavaScript (ES2017) kept as a string: it runs in the page, never in Node, and must not
// pass through a bundler that could rename or wrap it. It reads the view from the JSON element
// and only ever inserts data with textContent; links keep only http(s) URLs.
const DASHBOARD_CSS = `
:root { --fg: #1a202c; --muted: #5a6577; --line: #e2e8f0; --bg: #f7f9fb; --card: #fff;
  --accent: #3b5bdb; --warn: #b7791f; --bad: #c53030; --good: #2f855a; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1280px; padding: 16px 20px 32px; background: var(--bg);
  color: var(--fg); font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header h1 { font-size: 20px; margin: 0; }
header p { margin: 2px 0 12px; color: var(--muted); }
h2 { font-size: 14px; margin: 0 0 8px; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 8px;
  margin-bottom: 12px; }
.figure { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
.figures.small { margin: 0; grid-template-columns: repeat(2, 1fr); }
.figures.small .figure { border: none; padding: 4px 0; }
.figure .value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.figure .value .more { font-size: 13px; font-weight: 500; }
.figure .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.figure .note { color: var(--muted); font-size: 12px; }
.figure.unknown .value { color: var(--warn); }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); gap: 12px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.card.wide { margin-top: 12px; }
.chart { position: relative; height: 220px; }
.note { color: var(--muted); font-size: 12px; margin: 6px 0 0; }
.note:empty { display: none; }
.empty { color: var(--muted); margin: 0; padding: 80px 0; text-align: center; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
td.goal { white-space: normal; min-width: 220px; }
th.num, td.num { text-align: right; }
th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0; cursor: pointer; color: inherit; }
th[aria-sort="ascending"] button::after { content: " ▲"; }
th[aria-sort="descending"] button::after { content: " ▼"; }
td.unknown { color: var(--warn); }
td.outcome-success { color: var(--good); }
td.outcome-failure { color: var(--bad); }
td.outcome-spot-check { color: var(--warn); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
footer { color: var(--muted); font-size: 12px; margin-top: 12px; }
`;
const DASHBOARD_CLIENT_JS = String.raw `
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var view = data.view;
  var charts = {};
  var table = { key: null, direction: null };
  window.__dashboard = { report: data.report, view: view, charts: charts, table: table, ready: false };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function safeUrl(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
  }
  function link(text, url) {
    var href = safeUrl(url);
    if (!href) return el("span", null, text);
    var a = el("a", null, text);
    a.href = href;
    a.rel = "noopener noreferrer";
    return a;
  }
  function note(id, text) {
    var node = document.getElementById(id);
    node.textContent = text || "";
  }
  function empty(id, text) {
    var box = document.getElementById("box-" + id);
    box.textContent = "";
    box.appendChild(el("p", "empty", text));
  }
  function usd(value) {
    return "$" + Number(value).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
  function runs(count) {
    return count + (count === 1 ? " run" : " runs");
  }
  function duration(seconds) {
    var s = Math.round(seconds);
    if (s < 60) return s + " s";
    if (s < 3600) return Math.round(s / 60) + " min";
    return Math.round(s / 360) / 10 + " h";
  }

  document.title = view.title;
  document.getElementById("title").textContent = view.title;
  document.getElementById("subtitle").textContent = view.subtitle;
  document.getElementById("footer").textContent =
    "goal-orchestrator · charts by " + view.library + " · the report is in data.json";

  function figures(container, items) {
    items.forEach(function (item) {
      var box = el("div", "figure" + (item.unknown ? " unknown" : ""));
      var value = el("div", "value", item.value);
      if (item.more) {
        value.appendChild(document.createTextNode(" "));
        value.appendChild(el("span", "more", item.more));
      }
      box.appendChild(value);
      box.appendChild(el("div", "label", item.label));
      if (item.note) box.appendChild(el("div", "note", item.note));
      container.appendChild(box);
    });
  }
  figures(document.getElementById("headline"), view.headline);
  figures(document.getElementById("rates"), view.rates);

  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.size = 11;
  Chart.defaults.color = "#5a6577";
  var COLORS = {
    done: "#2f855a", queued: "#3b5bdb", running: "#dd6b20",
    cost: "#5a67d8", costUnknown: "#b3bcf5", llm: "#805ad5", tools: "#319795", overhead: "#a0aec0"
  };
  function make(key, config) {
    charts[key] = new Chart(document.getElementById("chart-" + key), config);
  }
  var dollarAxis = { beginAtZero: true, ticks: { callback: function (v) { return "$" + v; } } };

  // Goals done per day.
  if (view.doneByDay.labels.length === 0) {
    empty("done", "No runs in this report.");
  } else {
    make("done", {
      type: "bar",
      data: { labels: view.doneByDay.labels, datasets: [{ label: "goals done", data: view.doneByDay.values, backgroundColor: COLORS.done }] },
      options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }

  // Queue depth over time.
  if (!view.queue) {
    empty("queue", "No state history in this source (local stats files record runs only).");
  } else {
    var points = view.queue.points;
    var DAY = 86400000;
    var first = points[0].x, last = points[points.length - 1].x;
    var byDay = last - first >= 2 * DAY;
    var stamp = function (ms) { return new Date(ms).toISOString().slice(5, 16).replace("T", " "); };
    var series = function (field) {
      return points.map(function (p) { return { x: p.x, y: p[field] }; });
    };
    make("queue", {
      type: "line",
      data: { datasets: [
        { label: "queued", data: series("queued"), borderColor: COLORS.queued, backgroundColor: COLORS.queued, stepped: true, pointRadius: 0, borderWidth: 2 },
        { label: "running", data: series("running"), borderColor: COLORS.running, backgroundColor: COLORS.running, stepped: true, pointRadius: 0, borderWidth: 2 }
      ] },
      options: {
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: {
          x: byDay
            ? { type: "linear", min: Math.floor(first / DAY) * DAY, ticks: { stepSize: DAY, callback: function (v) { return stamp(v).slice(0, 5); } } }
            : { type: "linear", ticks: { maxTicksLimit: 8, callback: stamp } },
          y: { beginAtZero: true, ticks: { precision: 0 } }
        },
        plugins: { tooltip: { callbacks: { title: function (items) { return items.length ? new Date(items[0].parsed.x).toISOString().slice(0, 16).replace("T", " ") + " UTC" : ""; } } } }
      }
    });
  }

  // Cost per day: lighter bars where some runs did not report a cost.
  if (view.costByDay.labels.length === 0) {
    empty("cost-day", "No runs in this report.");
  } else {
    make("cost-day", {
      type: "bar",
      data: { labels: view.costByDay.labels, datasets: [{
        label: "cost (USD)",
        data: view.costByDay.values,
        backgroundColor: view.costByDay.unknown.map(function (u) { return u > 0 ? COLORS.costUnknown : COLORS.cost; })
      }] },
      options: {
        plugins: { legend: { display: false }, tooltip: { callbacks: {
          label: function (ctx) { return ctx.raw === null ? "unknown" : usd(ctx.raw); },
          afterLabel: function (ctx) { var u = view.costByDay.unknown[ctx.dataIndex]; return u > 0 ? "+ " + runs(u) + " unknown" : ""; }
        } } },
        scales: { y: dollarAxis }
      }
    });
  }
  note("note-cost-day", view.costByDay.note);

  // Cost per goal, most expensive first.
  if (view.costByGoal.labels.length === 0) {
    empty("cost-goal", "No goal has a known cost.");
  } else {
    make("cost-goal", {
      type: "bar",
      data: { labels: view.costByGoal.labels.map(function (l) { return l.length > 30 ? l.slice(0, 29) + "…" : l; }), datasets: [{
        label: "cost (USD)",
        data: view.costByGoal.values,
        backgroundColor: view.costByGoal.unknown.map(function (u) { return u > 0 ? COLORS.costUnknown : COLORS.cost; })
      }] },
      options: {
        indexAxis: "y",
        plugins: { legend: { display: false }, tooltip: { callbacks: {
          title: function (items) { return items.length ? view.costByGoal.labels[items[0].dataIndex] : ""; },
          label: function (ctx) { return usd(ctx.raw); },
          afterLabel: function (ctx) { var u = view.costByGoal.unknown[ctx.dataIndex]; return u > 0 ? "+ " + runs(u) + " unknown" : ""; }
        } } },
        scales: { x: dollarAxis }
      }
    });
  }
  note("note-cost-goal", view.costByGoal.note);

  // LLM / tools / overhead.
  if (!view.split) {
    empty("split", "unknown: no run reported how its time was spent.");
  } else {
    var total = view.split.seconds.reduce(function (a, b) { return a + b; }, 0);
    make("split", {
      type: "doughnut",
      data: {
        labels: view.split.labels.map(function (label, i) {
          var share = total > 0 ? Math.round((view.split.seconds[i] / total) * 100) : 0;
          return label + " " + share + "% (" + duration(view.split.seconds[i]) + ")";
        }),
        datasets: [{ data: view.split.seconds, backgroundColor: [COLORS.llm, COLORS.tools, COLORS.overhead] }]
      },
      options: { plugins: { legend: { position: "right" }, tooltip: { callbacks: { label: function (ctx) { return ctx.label; } } } } }
    });
    note("note-split", view.split.note);
  }

  // The runs table: click a header to sort; unknown values sort last either way.
  var head = document.querySelector("#runs thead tr");
  var body = document.querySelector("#runs tbody");
  function compare(key, direction) {
    return function (a, b) {
      var x = a.row[key].sort, y = b.row[key].sort;
      if (x === null && y === null) return a.index - b.index;
      if (x === null) return 1;
      if (y === null) return -1;
      var order = x < y ? -1 : x > y ? 1 : 0;
      return (direction === "ascending" ? order : -order) || a.index - b.index;
    };
  }
  function renderRows() {
    var entries = view.rows.map(function (row, index) { return { row: row, index: index }; });
    if (table.key) entries.sort(compare(table.key, table.direction));
    body.textContent = "";
    entries.forEach(function (entry) {
      var tr = el("tr");
      view.columns.forEach(function (column) {
        var c = entry.row[column.key];
        var classes = [column.key];
        if (column.numeric) classes.push("num");
        if (c.unknown) classes.push("unknown");
        if (column.key === "outcome") classes.push("outcome-" + c.text);
        var td = el("td", classes.join(" "));
        td.appendChild(link(c.text, c.href));
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    Array.prototype.forEach.call(head.children, function (th) {
      if (th.dataset.key === table.key) th.setAttribute("aria-sort", table.direction);
      else th.removeAttribute("aria-sort");
    });
  }
  view.columns.forEach(function (column) {
    var th = el("th", column.numeric ? "num" : "");
    th.dataset.key = column.key;
    var button = el("button", null, column.label);
    button.type = "button";
    button.addEventListener("click", function () {
      if (table.key === column.key) {
        table.direction = table.direction === "ascending" ? "descending" : "ascending";
      } else {
        table.key = column.key;
        table.direction = column.numeric ? "descending" : "ascending";
      }
      renderRows();
    });
    th.appendChild(button);
    head.appendChild(th);
  });
  renderRows();
  note("note-runs", view.rows.length === 0
    ? "No runs in this report."
    : view.rowsOmitted > 0
      ? "The " + view.rows.length + " most recent runs; " + view.rowsOmitted + " older ones are in data.json."
      : null);

  window.__dashboard.ready = true;
})();
`;

;// CONCATENATED MODULE: ./src/stats/format.ts


// Figures for people, shared by goal-stats and the dashboard: unknown figures say so, never 0.
const plural = (count, word) => `${count} ${word}${count === 1 ? "" : "s"}`;
/** "12,300", "12,300 + 3 runs unknown", or "unknown" when no run reported the figure. */
function formatPartial(sum, format = (value) => value.toLocaleString("en-US")) {
    if (sum.unknown === 0)
        return format(sum.total);
    if (sum.known === 0)
        return "unknown";
    return `${format(sum.total)} + ${plural(sum.unknown, "run")} unknown`;
}
/** "$12.30", "$12.30 + 3 runs unknown", or "unknown". */
const formatPartialUsd = (sum) => formatPartial(sum, formatUsd);
const formatPartialSeconds = (sum) => formatPartial(sum, formatDuration);
function formatRate(rate) {
    return rate === null ? "—" : `${Math.round(rate * 1000) / 10}%`;
}

;// CONCATENATED MODULE: ./src/stats/vendor/chart-js.ts
// Generated by scripts/vendor-chart.mjs from chart.js/dist/chart.umd.min.js: do not edit.
// Chart.js (https://www.chartjs.org), (c) Chart.js Contributors, released under the MIT License.
const CHART_JS_VERSION = "4.6.1";
/** chart.umd.min.js, base64 (UTF-8). */
const CHART_JS_BASE64 = "LyohCiAqIENoYXJ0LmpzIHY0LjYuMQogKiBodHRwczovL3d3dy5jaGFydGpzLm9yZwogKiAoYykgMjAyNiBDaGFydC5qcyBDb250cmlidXRvcnMKICogUmVsZWFzZWQgdW5kZXIgdGhlIE1JVCBMaWNlbnNlCiAqLwohZnVuY3Rpb24odCxlKXsib2JqZWN0Ij09dHlwZW9mIGV4cG9ydHMmJiJ1bmRlZmluZWQiIT10eXBlb2YgbW9kdWxlP21vZHVsZS5leHBvcnRzPWUoKToiZnVuY3Rpb24iPT10eXBlb2YgZGVmaW5lJiZkZWZpbmUuYW1kP2RlZmluZShlKToodD0idW5kZWZpbmVkIiE9dHlwZW9mIGdsb2JhbFRoaXM/Z2xvYmFsVGhpczp0fHxzZWxmKS5DaGFydD1lKCl9KHRoaXMsKGZ1bmN0aW9uKCl7InVzZSBzdHJpY3QiO3ZhciB0PU9iamVjdC5mcmVlemUoe19fcHJvdG9fXzpudWxsLGdldCBDb2xvcnMoKXtyZXR1cm4gSm99LGdldCBEZWNpbWF0aW9uKCl7cmV0dXJuIHRhfSxnZXQgRmlsbGVyKCl7cmV0dXJuIGJhfSxnZXQgTGVnZW5kKCl7cmV0dXJuIE1hfSxnZXQgU3ViVGl0bGUoKXtyZXR1cm4gUGF9LGdldCBUaXRsZSgpe3JldHVybiBrYX0sZ2V0IFRvb2x0aXAoKXtyZXR1cm4gV2F9fSk7ZnVuY3Rpb24gZSgpe31jb25zdCBpPSgoKT0+e2xldCB0PTA7cmV0dXJuKCk9PnQrK30pKCk7ZnVuY3Rpb24gcyh0KXtyZXR1cm4gbnVsbD09dH1mdW5jdGlvbiBuKHQpe2lmKEFycmF5LmlzQXJyYXkmJkFycmF5LmlzQXJyYXkodCkpcmV0dXJuITA7Y29uc3QgZT1PYmplY3QucHJvdG90eXBlLnRvU3RyaW5nLmNhbGwodCk7cmV0dXJuIltvYmplY3QiPT09ZS5zbGljZSgwLDcpJiYiQXJyYXldIj09PWUuc2xpY2UoLTYpfWZ1bmN0aW9uIG8odCl7cmV0dXJuIG51bGwhPT10JiYiW29iamVjdCBPYmplY3RdIj09PU9iamVjdC5wcm90b3R5cGUudG9TdHJpbmcuY2FsbCh0KX1mdW5jdGlvbiBhKHQpe3JldHVybigibnVtYmVyIj09dHlwZW9mIHR8fHQgaW5zdGFuY2VvZiBOdW1iZXIpJiZpc0Zpbml0ZSgrdCl9ZnVuY3Rpb24gcih0LGUpe3JldHVybiBhKHQpP3Q6ZX1mdW5jdGlvbiBsKHQsZSl7cmV0dXJuIHZvaWQgMD09PXQ/ZTp0fWNvbnN0IGg9KHQsZSk9PiJzdHJpbmciPT10eXBlb2YgdCYmdC5lbmRzV2l0aCgiJSIpP3BhcnNlRmxvYXQodCkvMTAwOit0L2UsYz0odCxlKT0+InN0cmluZyI9PXR5cGVvZiB0JiZ0LmVuZHNXaXRoKCIlIik/cGFyc2VGbG9hdCh0KS8xMDAqZTordDtmdW5jdGlvbiBkKHQsZSxpKXtpZih0JiYiZnVuY3Rpb24iPT10eXBlb2YgdC5jYWxsKXJldHVybiB0LmFwcGx5KGksZSl9ZnVuY3Rpb24gdSh0LGUsaSxzKXtsZXQgYSxyLGw7aWYobih0KSlpZihyPXQubGVuZ3RoLHMpZm9yKGE9ci0xO2E+PTA7YS0tKWUuY2FsbChpLHRbYV0sYSk7ZWxzZSBmb3IoYT0wO2E8cjthKyspZS5jYWxsKGksdFthXSxhKTtlbHNlIGlmKG8odCkpZm9yKGw9T2JqZWN0LmtleXModCkscj1sLmxlbmd0aCxhPTA7YTxyO2ErKyllLmNhbGwoaSx0W2xbYV1dLGxbYV0pfWZ1bmN0aW9uIGYodCxlKXtsZXQgaSxzLG4sbztpZighdHx8IWV8fHQubGVuZ3RoIT09ZS5sZW5ndGgpcmV0dXJuITE7Zm9yKGk9MCxzPXQubGVuZ3RoO2k8czsrK2kpaWYobj10W2ldLG89ZVtpXSxuLmRhdGFzZXRJbmRleCE9PW8uZGF0YXNldEluZGV4fHxuLmluZGV4IT09by5pbmRleClyZXR1cm4hMTtyZXR1cm4hMH1mdW5jdGlvbiBnKHQpe2lmKG4odCkpcmV0dXJuIHQubWFwKGcpO2lmKG8odCkpe2NvbnN0IGU9T2JqZWN0LmNyZWF0ZShudWxsKSxpPU9iamVjdC5rZXlzKHQpLHM9aS5sZW5ndGg7bGV0IG49MDtmb3IoO248czsrK24pZVtpW25dXT1nKHRbaVtuXV0pO3JldHVybiBlfXJldHVybiB0fWZ1bmN0aW9uIHAodCl7cmV0dXJuLTE9PT1bIl9fcHJvdG9fXyIsInByb3RvdHlwZSIsImNvbnN0cnVjdG9yIl0uaW5kZXhPZih0KX1mdW5jdGlvbiBtKHQsZSxpLHMpe2lmKCFwKHQpKXJldHVybjtjb25zdCBuPWVbdF0sYT1pW3RdO28obikmJm8oYSk/eChuLGEscyk6ZVt0XT1nKGEpfWZ1bmN0aW9uIHgodCxlLGkpe2NvbnN0IHM9bihlKT9lOltlXSxhPXMubGVuZ3RoO2lmKCFvKHQpKXJldHVybiB0O2NvbnN0IHI9KGk9aXx8e30pLm1lcmdlcnx8bTtsZXQgbDtmb3IobGV0IGU9MDtlPGE7KytlKXtpZihsPXNbZV0sIW8obCkpY29udGludWU7Y29uc3Qgbj1PYmplY3Qua2V5cyhsKTtmb3IobGV0IGU9MCxzPW4ubGVuZ3RoO2U8czsrK2UpcihuW2VdLHQsbCxpKX1yZXR1cm4gdH1mdW5jdGlvbiBiKHQsZSl7cmV0dXJuIHgodCxlLHttZXJnZXI6X30pfWZ1bmN0aW9uIF8odCxlLGkpe2lmKCFwKHQpKXJldHVybjtjb25zdCBzPWVbdF0sbj1pW3RdO28ocykmJm8obik/YihzLG4pOk9iamVjdC5wcm90b3R5cGUuaGFzT3duUHJvcGVydHkuY2FsbChlLHQpfHwoZVt0XT1nKG4pKX1jb25zdCB5PXsiIjp0PT50LHg6dD0+dC54LHk6dD0+dC55fTtmdW5jdGlvbiB2KHQpe2NvbnN0IGU9dC5zcGxpdCgiLiIpLGk9W107bGV0IHM9IiI7Zm9yKGNvbnN0IHQgb2YgZSlzKz10LHMuZW5kc1dpdGgoIlxcIik/cz1zLnNsaWNlKDAsLTEpKyIuIjooaS5wdXNoKHMpLHM9IiIpO3JldHVybiBpfWZ1bmN0aW9uIE0odCxlKXtjb25zdCBpPXlbZV18fCh5W2VdPWZ1bmN0aW9uKHQpe2NvbnN0IGU9dih0KTtyZXR1cm4gdD0+e2Zvcihjb25zdCBpIG9mIGUpe2lmKCIiPT09aSlicmVhazt0PXQmJnRbaV19cmV0dXJuIHR9fShlKSk7cmV0dXJuIGkodCl9ZnVuY3Rpb24gdyh0KXtyZXR1cm4gdC5jaGFyQXQoMCkudG9VcHBlckNhc2UoKSt0LnNsaWNlKDEpfWNvbnN0IGs9dD0+dm9pZCAwIT09dCxTPXQ9PiJmdW5jdGlvbiI9PXR5cGVvZiB0LFA9KHQsZSk9PntpZih0LnNpemUhPT1lLnNpemUpcmV0dXJuITE7Zm9yKGNvbnN0IGkgb2YgdClpZighZS5oYXMoaSkpcmV0dXJuITE7cmV0dXJuITB9O2Z1bmN0aW9uIEQodCl7cmV0dXJuIm1vdXNldXAiPT09dC50eXBlfHwiY2xpY2siPT09dC50eXBlfHwiY29udGV4dG1lbnUiPT09dC50eXBlfWNvbnN0IEM9TWF0aC5QSSxPPTIqQyxBPU8rQyxUPU51bWJlci5QT1NJVElWRV9JTkZJTklUWSxMPUMvMTgwLEU9Qy8yLFI9Qy80LEk9MipDLzMsej1NYXRoLmxvZzEwLEY9TWF0aC5zaWduO2Z1bmN0aW9uIFYodCxlLGkpe3JldHVybiBNYXRoLmFicyh0LWUpPGl9ZnVuY3Rpb24gQih0KXtjb25zdCBlPU1hdGgucm91bmQodCk7dD1WKHQsZSx0LzFlMyk/ZTp0O2NvbnN0IGk9TWF0aC5wb3coMTAsTWF0aC5mbG9vcih6KHQpKSkscz10L2k7cmV0dXJuKHM8PTE/MTpzPD0yPzI6czw9NT81OjEwKSppfWZ1bmN0aW9uIE4odCl7Y29uc3QgZT1bXSxpPU1hdGguc3FydCh0KTtsZXQgcztmb3Iocz0xO3M8aTtzKyspdCVzPT0wJiYoZS5wdXNoKHMpLGUucHVzaCh0L3MpKTtyZXR1cm4gaT09PSgwfGkpJiZlLnB1c2goaSksZS5zb3J0KCgodCxlKT0+dC1lKSkucG9wKCksZX1mdW5jdGlvbiBXKHQpe3JldHVybiFmdW5jdGlvbih0KXtyZXR1cm4ic3ltYm9sIj09dHlwZW9mIHR8fCJvYmplY3QiPT10eXBlb2YgdCYmbnVsbCE9PXQmJiEoU3ltYm9sLnRvUHJpbWl0aXZlIGluIHR8fCJ0b1N0cmluZyJpbiB0fHwidmFsdWVPZiJpbiB0KX0odCkmJiFpc05hTihwYXJzZUZsb2F0KHQpKSYmaXNGaW5pdGUodCl9ZnVuY3Rpb24gSCh0LGUpe2NvbnN0IGk9TWF0aC5yb3VuZCh0KTtyZXR1cm4gaS1lPD10JiZpK2U+PXR9ZnVuY3Rpb24gaih0LGUsaSl7bGV0IHMsbixvO2ZvcihzPTAsbj10Lmxlbmd0aDtzPG47cysrKW89dFtzXVtpXSxpc05hTihvKXx8KGUubWluPU1hdGgubWluKGUubWluLG8pLGUubWF4PU1hdGgubWF4KGUubWF4LG8pKX1mdW5jdGlvbiAkKHQpe3JldHVybiB0KihDLzE4MCl9ZnVuY3Rpb24gWSh0KXtyZXR1cm4gdCooMTgwL0MpfWZ1bmN0aW9uIFUodCl7aWYoIWEodCkpcmV0dXJuO2xldCBlPTEsaT0wO2Zvcig7TWF0aC5yb3VuZCh0KmUpL2UhPT10OyllKj0xMCxpKys7cmV0dXJuIGl9ZnVuY3Rpb24gWCh0LGUpe2NvbnN0IGk9ZS54LXQueCxzPWUueS10Lnksbj1NYXRoLnNxcnQoaSppK3Mqcyk7bGV0IG89TWF0aC5hdGFuMihzLGkpO3JldHVybiBvPC0uNSpDJiYobys9Tykse2FuZ2xlOm8sZGlzdGFuY2U6bn19ZnVuY3Rpb24gcSh0LGUpe3JldHVybiBNYXRoLnNxcnQoTWF0aC5wb3coZS54LXQueCwyKStNYXRoLnBvdyhlLnktdC55LDIpKX1mdW5jdGlvbiBLKHQsZSl7cmV0dXJuKHQtZStBKSVPLUN9ZnVuY3Rpb24gRyh0KXtyZXR1cm4odCVPK08pJU99ZnVuY3Rpb24gSih0LGUsaSxzKXtjb25zdCBuPUcodCksbz1HKGUpLGE9RyhpKSxyPUcoby1uKSxsPUcoYS1uKSxoPUcobi1vKSxjPUcobi1hKTtyZXR1cm4gbj09PW98fG49PT1hfHxzJiZvPT09YXx8cj5sJiZoPGN9ZnVuY3Rpb24gWih0LGUsaSl7cmV0dXJuIE1hdGgubWF4KGUsTWF0aC5taW4oaSx0KSl9ZnVuY3Rpb24gUSh0KXtyZXR1cm4gWih0LC0zMjc2OCwzMjc2Nyl9ZnVuY3Rpb24gdHQodCxlLGkscz0xZS02KXtyZXR1cm4gdD49TWF0aC5taW4oZSxpKS1zJiZ0PD1NYXRoLm1heChlLGkpK3N9ZnVuY3Rpb24gZXQodCxlLGkpe2k9aXx8KGk9PnRbaV08ZSk7bGV0IHMsbj10Lmxlbmd0aC0xLG89MDtmb3IoO24tbz4xOylzPW8rbj4+MSxpKHMpP289czpuPXM7cmV0dXJue2xvOm8saGk6bn19Y29uc3QgaXQ9KHQsZSxpLHMpPT5ldCh0LGkscz9zPT57Y29uc3Qgbj10W3NdW2VdO3JldHVybiBuPGl8fG49PT1pJiZ0W3MrMV1bZV09PT1pfTpzPT50W3NdW2VdPGkpLHN0PSh0LGUsaSk9PmV0KHQsaSwocz0+dFtzXVtlXT49aSkpO2Z1bmN0aW9uIG50KHQsZSxpKXtsZXQgcz0wLG49dC5sZW5ndGg7Zm9yKDtzPG4mJnRbc108ZTspcysrO2Zvcig7bj5zJiZ0W24tMV0+aTspbi0tO3JldHVybiBzPjB8fG48dC5sZW5ndGg/dC5zbGljZShzLG4pOnR9Y29uc3Qgb3Q9WyJwdXNoIiwicG9wIiwic2hpZnQiLCJzcGxpY2UiLCJ1bnNoaWZ0Il07ZnVuY3Rpb24gYXQodCxlKXt0Ll9jaGFydGpzP3QuX2NoYXJ0anMubGlzdGVuZXJzLnB1c2goZSk6KE9iamVjdC5kZWZpbmVQcm9wZXJ0eSh0LCJfY2hhcnRqcyIse2NvbmZpZ3VyYWJsZTohMCxlbnVtZXJhYmxlOiExLHZhbHVlOntsaXN0ZW5lcnM6W2VdfX0pLG90LmZvckVhY2goKGU9Pntjb25zdCBpPSJfb25EYXRhIit3KGUpLHM9dFtlXTtPYmplY3QuZGVmaW5lUHJvcGVydHkodCxlLHtjb25maWd1cmFibGU6ITAsZW51bWVyYWJsZTohMSx2YWx1ZSguLi5lKXtjb25zdCBuPXMuYXBwbHkodGhpcyxlKTtyZXR1cm4gdC5fY2hhcnRqcy5saXN0ZW5lcnMuZm9yRWFjaCgodD0+eyJmdW5jdGlvbiI9PXR5cGVvZiB0W2ldJiZ0W2ldKC4uLmUpfSkpLG59fSl9KSkpfWZ1bmN0aW9uIHJ0KHQsZSl7Y29uc3QgaT10Ll9jaGFydGpzO2lmKCFpKXJldHVybjtjb25zdCBzPWkubGlzdGVuZXJzLG49cy5pbmRleE9mKGUpOy0xIT09biYmcy5zcGxpY2UobiwxKSxzLmxlbmd0aD4wfHwob3QuZm9yRWFjaCgoZT0+e2RlbGV0ZSB0W2VdfSkpLGRlbGV0ZSB0Ll9jaGFydGpzKX1mdW5jdGlvbiBsdCh0KXtjb25zdCBlPW5ldyBTZXQodCk7cmV0dXJuIGUuc2l6ZT09PXQubGVuZ3RoP3Q6QXJyYXkuZnJvbShlKX1jb25zdCBodD0idW5kZWZpbmVkIj09dHlwZW9mIHdpbmRvdz9mdW5jdGlvbih0KXtyZXR1cm4gdCgpfTp3aW5kb3cucmVxdWVzdEFuaW1hdGlvbkZyYW1lO2Z1bmN0aW9uIGN0KHQsZSl7bGV0IGk9W10scz0hMTtyZXR1cm4gZnVuY3Rpb24oLi4ubil7aT1uLHN8fChzPSEwLGh0LmNhbGwod2luZG93LCgoKT0+e3M9ITEsdC5hcHBseShlLGkpfSkpKX19ZnVuY3Rpb24gZHQodCxlKXtsZXQgaTtyZXR1cm4gZnVuY3Rpb24oLi4ucyl7cmV0dXJuIGU/KGNsZWFyVGltZW91dChpKSxpPXNldFRpbWVvdXQodCxlLHMpKTp0LmFwcGx5KHRoaXMscyksZX19Y29uc3QgdXQ9dD0+InN0YXJ0Ij09PXQ/ImxlZnQiOiJlbmQiPT09dD8icmlnaHQiOiJjZW50ZXIiLGZ0PSh0LGUsaSk9PiJzdGFydCI9PT10P2U6ImVuZCI9PT10P2k6KGUraSkvMixndD0odCxlLGkscyk9PnQ9PT0ocz8ibGVmdCI6InJpZ2h0Iik/aToiY2VudGVyIj09PXQ/KGUraSkvMjplO2Z1bmN0aW9uIHB0KHQsZSxpKXtjb25zdCBuPWUubGVuZ3RoO2xldCBvPTAsYT1uO2lmKHQuX3NvcnRlZCl7Y29uc3R7aVNjYWxlOnIsdlNjYWxlOmwsX3BhcnNlZDpofT10LGM9dC5kYXRhc2V0JiZ0LmRhdGFzZXQub3B0aW9ucz90LmRhdGFzZXQub3B0aW9ucy5zcGFuR2FwczpudWxsLGQ9ci5heGlzLHttaW46dSxtYXg6ZixtaW5EZWZpbmVkOmcsbWF4RGVmaW5lZDpwfT1yLmdldFVzZXJCb3VuZHMoKTtpZihnKXtpZihvPU1hdGgubWluKGl0KGgsZCx1KS5sbyxpP246aXQoZSxkLHIuZ2V0UGl4ZWxGb3JWYWx1ZSh1KSkubG8pLGMpe2NvbnN0IHQ9aC5zbGljZSgwLG8rMSkucmV2ZXJzZSgpLmZpbmRJbmRleCgodD0+IXModFtsLmF4aXNdKSkpO28tPU1hdGgubWF4KDAsdCl9bz1aKG8sMCxuLTEpfWlmKHApe2xldCB0PU1hdGgubWF4KGl0KGgsci5heGlzLGYsITApLmhpKzEsaT8wOml0KGUsZCxyLmdldFBpeGVsRm9yVmFsdWUoZiksITApLmhpKzEpO2lmKGMpe2NvbnN0IGU9aC5zbGljZSh0LTEpLmZpbmRJbmRleCgodD0+IXModFtsLmF4aXNdKSkpO3QrPU1hdGgubWF4KDAsZSl9YT1aKHQsbyxuKS1vfWVsc2UgYT1uLW99cmV0dXJue3N0YXJ0Om8sY291bnQ6YX19ZnVuY3Rpb24gbXQodCl7Y29uc3R7eFNjYWxlOmUseVNjYWxlOmksX3NjYWxlUmFuZ2VzOnN9PXQsbj17eG1pbjplLm1pbix4bWF4OmUubWF4LHltaW46aS5taW4seW1heDppLm1heH07aWYoIXMpcmV0dXJuIHQuX3NjYWxlUmFuZ2VzPW4sITA7Y29uc3Qgbz1zLnhtaW4hPT1lLm1pbnx8cy54bWF4IT09ZS5tYXh8fHMueW1pbiE9PWkubWlufHxzLnltYXghPT1pLm1heDtyZXR1cm4gT2JqZWN0LmFzc2lnbihzLG4pLG99Y2xhc3MgeHR7Y29uc3RydWN0b3IoKXt0aGlzLl9yZXF1ZXN0PW51bGwsdGhpcy5fY2hhcnRzPW5ldyBNYXAsdGhpcy5fcnVubmluZz0hMSx0aGlzLl9sYXN0RGF0ZT12b2lkIDB9X25vdGlmeSh0LGUsaSxzKXtjb25zdCBuPWUubGlzdGVuZXJzW3NdLG89ZS5kdXJhdGlvbjtuLmZvckVhY2goKHM9PnMoe2NoYXJ0OnQsaW5pdGlhbDplLmluaXRpYWwsbnVtU3RlcHM6byxjdXJyZW50U3RlcDpNYXRoLm1pbihpLWUuc3RhcnQsbyl9KSkpfV9yZWZyZXNoKCl7dGhpcy5fcmVxdWVzdHx8KHRoaXMuX3J1bm5pbmc9ITAsdGhpcy5fcmVxdWVzdD1odC5jYWxsKHdpbmRvdywoKCk9Pnt0aGlzLl91cGRhdGUoKSx0aGlzLl9yZXF1ZXN0PW51bGwsdGhpcy5fcnVubmluZyYmdGhpcy5fcmVmcmVzaCgpfSkpKX1fdXBkYXRlKHQ9RGF0ZS5ub3coKSl7bGV0IGU9MDt0aGlzLl9jaGFydHMuZm9yRWFjaCgoKGkscyk9PntpZighaS5ydW5uaW5nfHwhaS5pdGVtcy5sZW5ndGgpcmV0dXJuO2NvbnN0IG49aS5pdGVtcztsZXQgbyxhPW4ubGVuZ3RoLTEscj0hMTtmb3IoO2E+PTA7LS1hKW89blthXSxvLl9hY3RpdmU/KG8uX3RvdGFsPmkuZHVyYXRpb24mJihpLmR1cmF0aW9uPW8uX3RvdGFsKSxvLnRpY2sodCkscj0hMCk6KG5bYV09bltuLmxlbmd0aC0xXSxuLnBvcCgpKTtyJiYocy5kcmF3KCksdGhpcy5fbm90aWZ5KHMsaSx0LCJwcm9ncmVzcyIpKSxuLmxlbmd0aHx8KGkucnVubmluZz0hMSx0aGlzLl9ub3RpZnkocyxpLHQsImNvbXBsZXRlIiksaS5pbml0aWFsPSExKSxlKz1uLmxlbmd0aH0pKSx0aGlzLl9sYXN0RGF0ZT10LDA9PT1lJiYodGhpcy5fcnVubmluZz0hMSl9X2dldEFuaW1zKHQpe2NvbnN0IGU9dGhpcy5fY2hhcnRzO2xldCBpPWUuZ2V0KHQpO3JldHVybiBpfHwoaT17cnVubmluZzohMSxpbml0aWFsOiEwLGl0ZW1zOltdLGxpc3RlbmVyczp7Y29tcGxldGU6W10scHJvZ3Jlc3M6W119fSxlLnNldCh0LGkpKSxpfWxpc3Rlbih0LGUsaSl7dGhpcy5fZ2V0QW5pbXModCkubGlzdGVuZXJzW2VdLnB1c2goaSl9YWRkKHQsZSl7ZSYmZS5sZW5ndGgmJnRoaXMuX2dldEFuaW1zKHQpLml0ZW1zLnB1c2goLi4uZSl9aGFzKHQpe3JldHVybiB0aGlzLl9nZXRBbmltcyh0KS5pdGVtcy5sZW5ndGg+MH1zdGFydCh0KXtjb25zdCBlPXRoaXMuX2NoYXJ0cy5nZXQodCk7ZSYmKGUucnVubmluZz0hMCxlLnN0YXJ0PURhdGUubm93KCksZS5kdXJhdGlvbj1lLml0ZW1zLnJlZHVjZSgoKHQsZSk9Pk1hdGgubWF4KHQsZS5fZHVyYXRpb24pKSwwKSx0aGlzLl9yZWZyZXNoKCkpfXJ1bm5pbmcodCl7aWYoIXRoaXMuX3J1bm5pbmcpcmV0dXJuITE7Y29uc3QgZT10aGlzLl9jaGFydHMuZ2V0KHQpO3JldHVybiEhKGUmJmUucnVubmluZyYmZS5pdGVtcy5sZW5ndGgpfXN0b3AodCl7Y29uc3QgZT10aGlzLl9jaGFydHMuZ2V0KHQpO2lmKCFlfHwhZS5pdGVtcy5sZW5ndGgpcmV0dXJuO2NvbnN0IGk9ZS5pdGVtcztsZXQgcz1pLmxlbmd0aC0xO2Zvcig7cz49MDstLXMpaVtzXS5jYW5jZWwoKTtlLml0ZW1zPVtdLHRoaXMuX25vdGlmeSh0LGUsRGF0ZS5ub3coKSwiY29tcGxldGUiKX1yZW1vdmUodCl7cmV0dXJuIHRoaXMuX2NoYXJ0cy5kZWxldGUodCl9fXZhciBidD1uZXcgeHQ7Ci8qIQogKiBAa3Vya2xlL2NvbG9yIHYwLjMuMgogKiBodHRwczovL2dpdGh1Yi5jb20va3Vya2xlL2NvbG9yI3JlYWRtZQogKiAoYykgMjAyMyBKdWtrYSBLdXJrZWxhCiAqIFJlbGVhc2VkIHVuZGVyIHRoZSBNSVQgTGljZW5zZQogKi9mdW5jdGlvbiBfdCh0KXtyZXR1cm4gdCsuNXwwfWNvbnN0IHl0PSh0LGUsaSk9Pk1hdGgubWF4KE1hdGgubWluKHQsaSksZSk7ZnVuY3Rpb24gdnQodCl7cmV0dXJuIHl0KF90KDIuNTUqdCksMCwyNTUpfWZ1bmN0aW9uIE10KHQpe3JldHVybiB5dChfdCgyNTUqdCksMCwyNTUpfWZ1bmN0aW9uIHd0KHQpe3JldHVybiB5dChfdCh0LzIuNTUpLzEwMCwwLDEpfWZ1bmN0aW9uIGt0KHQpe3JldHVybiB5dChfdCgxMDAqdCksMCwxMDApfWNvbnN0IFN0PXswOjAsMToxLDI6MiwzOjMsNDo0LDU6NSw2OjYsNzo3LDg6OCw5OjksQToxMCxCOjExLEM6MTIsRDoxMyxFOjE0LEY6MTUsYToxMCxiOjExLGM6MTIsZDoxMyxlOjE0LGY6MTV9LFB0PVsuLi4iMDEyMzQ1Njc4OUFCQ0RFRiJdLER0PXQ9PlB0WzE1JnRdLEN0PXQ9PlB0WygyNDAmdCk+PjRdK1B0WzE1JnRdLE90PXQ9PigyNDAmdCk+PjQ9PSgxNSZ0KTtmdW5jdGlvbiBBdCh0KXt2YXIgZT0odD0+T3QodC5yKSYmT3QodC5nKSYmT3QodC5iKSYmT3QodC5hKSkodCk/RHQ6Q3Q7cmV0dXJuIHQ/IiMiK2UodC5yKStlKHQuZykrZSh0LmIpKygodCxlKT0+dDwyNTU/ZSh0KToiIikodC5hLGUpOnZvaWQgMH1jb25zdCBUdD0vXihoc2xhP3xod2J8aHN2KVwoXHMqKFstKy5lXGRdKykoPzpkZWcpP1tccyxdKyhbLSsuZVxkXSspJVtccyxdKyhbLSsuZVxkXSspJSg/OltccyxdKyhbLSsuZVxkXSspKCUpPyk/XHMqXCkkLztmdW5jdGlvbiBMdCh0LGUsaSl7Y29uc3Qgcz1lKk1hdGgubWluKGksMS1pKSxuPShlLG49KGUrdC8zMCklMTIpPT5pLXMqTWF0aC5tYXgoTWF0aC5taW4obi0zLDktbiwxKSwtMSk7cmV0dXJuW24oMCksbig4KSxuKDQpXX1mdW5jdGlvbiBFdCh0LGUsaSl7Y29uc3Qgcz0ocyxuPShzK3QvNjApJTYpPT5pLWkqZSpNYXRoLm1heChNYXRoLm1pbihuLDQtbiwxKSwwKTtyZXR1cm5bcyg1KSxzKDMpLHMoMSldfWZ1bmN0aW9uIFJ0KHQsZSxpKXtjb25zdCBzPUx0KHQsMSwuNSk7bGV0IG47Zm9yKGUraT4xJiYobj0xLyhlK2kpLGUqPW4saSo9biksbj0wO248MztuKyspc1tuXSo9MS1lLWksc1tuXSs9ZTtyZXR1cm4gc31mdW5jdGlvbiBJdCh0KXtjb25zdCBlPXQuci8yNTUsaT10LmcvMjU1LHM9dC5iLzI1NSxuPU1hdGgubWF4KGUsaSxzKSxvPU1hdGgubWluKGUsaSxzKSxhPShuK28pLzI7bGV0IHIsbCxoO3JldHVybiBuIT09byYmKGg9bi1vLGw9YT4uNT9oLygyLW4tbyk6aC8obitvKSxyPWZ1bmN0aW9uKHQsZSxpLHMsbil7cmV0dXJuIHQ9PT1uPyhlLWkpL3MrKGU8aT82OjApOmU9PT1uPyhpLXQpL3MrMjoodC1lKS9zKzR9KGUsaSxzLGgsbikscj02MCpyKy41KSxbMHxyLGx8fDAsYV19ZnVuY3Rpb24genQodCxlLGkscyl7cmV0dXJuKEFycmF5LmlzQXJyYXkoZSk/dChlWzBdLGVbMV0sZVsyXSk6dChlLGkscykpLm1hcChNdCl9ZnVuY3Rpb24gRnQodCxlLGkpe3JldHVybiB6dChMdCx0LGUsaSl9ZnVuY3Rpb24gVnQodCl7cmV0dXJuKHQlMzYwKzM2MCklMzYwfWZ1bmN0aW9uIEJ0KHQpe2NvbnN0IGU9VHQuZXhlYyh0KTtsZXQgaSxzPTI1NTtpZighZSlyZXR1cm47ZVs1XSE9PWkmJihzPWVbNl0/dnQoK2VbNV0pOk10KCtlWzVdKSk7Y29uc3Qgbj1WdCgrZVsyXSksbz0rZVszXS8xMDAsYT0rZVs0XS8xMDA7cmV0dXJuIGk9Imh3YiI9PT1lWzFdP2Z1bmN0aW9uKHQsZSxpKXtyZXR1cm4genQoUnQsdCxlLGkpfShuLG8sYSk6ImhzdiI9PT1lWzFdP2Z1bmN0aW9uKHQsZSxpKXtyZXR1cm4genQoRXQsdCxlLGkpfShuLG8sYSk6RnQobixvLGEpLHtyOmlbMF0sZzppWzFdLGI6aVsyXSxhOnN9fWNvbnN0IE50PXt4OiJkYXJrIixaOiJsaWdodCIsWToicmUiLFg6ImJsdSIsVzoiZ3IiLFY6Im1lZGl1bSIsVToic2xhdGUiLEE6ImVlIixUOiJvbCIsUzoib3IiLEI6InJhIixDOiJsYXRlZyIsRDoiaWdodHMiLFI6ImluIixROiJ0dXJxdW9pcyIsRToiaGkiLFA6InJvIixPOiJhbCIsTjoibGUiLE06ImRlIixMOiJ5ZWxsbyIsRjoiZW4iLEs6ImNoIixHOiJhcmtzIixIOiJlYSIsSToiaWdodGciLEo6IndoIn0sV3Q9e09pY2VYZToiZjBmOGZmIixhbnRpcXVld0V0ZToiZmFlYmQ3IixhcXVhOiJmZmZmIixhcXVhbWFyUmU6IjdmZmZkNCIsYXp1WToiZjBmZmZmIixiZWlnZToiZjVmNWRjIixiaXNxdWU6ImZmZTRjNCIsYmxhY2s6IjAiLGJsYW5LZWRPbW9uZDoiZmZlYmNkIixYZToiZmYiLFhldmlUZXQ6IjhhMmJlMiIsYlB3bjoiYTUyYTJhIixidXJseXdvb2Q6ImRlYjg4NyIsY2FNdFhlOiI1ZjllYTAiLEthcnRZdXNlOiI3ZmZmMDAiLEtvY1RhdGU6ImQyNjkxZSIsY1NPOiJmZjdmNTAiLGNTbmZsb3dlclhlOiI2NDk1ZWQiLGNTbnNpbGs6ImZmZjhkYyIsY3JpbXNvbjoiZGMxNDNjIixjeWFuOiJmZmZmIix4WGU6IjhiIix4Y3lhbjoiOGI4YiIseGdUTW5QZDoiYjg4NjBiIix4V2F5OiJhOWE5YTkiLHhnWUY6IjY0MDAiLHhnWXk6ImE5YTlhOSIseGtoYWtpOiJiZGI3NmIiLHhtYWdGdGE6IjhiMDA4YiIseFRpdmVnWUY6IjU1NmIyZiIseFNhbmdlOiJmZjhjMDAiLHhTY0VkOiI5OTMyY2MiLHhZZDoiOGIwMDAwIix4c09tb246ImU5OTY3YSIseHNIZ1lGOiI4ZmJjOGYiLHhVWGU6IjQ4M2Q4YiIseFVXYXk6IjJmNGY0ZiIseFVnWXk6IjJmNGY0ZiIseFFlOiJjZWQxIix4dmlUZXQ6Ijk0MDBkMyIsZEFwcFJrOiJmZjE0OTMiLGRBcHNreVhlOiJiZmZmIixkaW1XYXk6IjY5Njk2OSIsZGltZ1l5OiI2OTY5NjkiLGRvZGdlclhlOiIxZTkwZmYiLGZpWWJyaWNrOiJiMjIyMjIiLGZsU093RXRlOiJmZmZhZjAiLGZvWXN0V0FuOiIyMjhiMjIiLGZ1S3NpYToiZmYwMGZmIixnYVJzYlNvOiJkY2RjZGMiLGdob3N0d0V0ZToiZjhmOGZmIixnVGQ6ImZmZDcwMCIsZ1RNblBkOiJkYWE1MjAiLFdheToiODA4MDgwIixnWUY6IjgwMDAiLGdZRkx3OiJhZGZmMmYiLGdZeToiODA4MDgwIixob25leU13OiJmMGZmZjAiLGhvdHBSazoiZmY2OWI0IixSZGlhbllkOiJjZDVjNWMiLFJkaWdvOiI0YjAwODIiLGl2U3k6ImZmZmZmMCIsa2hha2k6ImYwZTY4YyIsbGF2Rk1yOiJlNmU2ZmEiLGxhdkZNclhzaDoiZmZmMGY1IixsYXduZ1lGOiI3Y2ZjMDAiLE5tb25jRWZmb246ImZmZmFjZCIsWlhlOiJhZGQ4ZTYiLFpjU086ImYwODA4MCIsWmN5YW46ImUwZmZmZiIsWmdUTW5QZEx3OiJmYWZhZDIiLFpXYXk6ImQzZDNkMyIsWmdZRjoiOTBlZTkwIixaZ1l5OiJkM2QzZDMiLFpwUms6ImZmYjZjMSIsWnNPbW9uOiJmZmEwN2EiLFpzSGdZRjoiMjBiMmFhIixac2t5WGU6Ijg3Y2VmYSIsWlVXYXk6Ijc3ODg5OSIsWlVnWXk6Ijc3ODg5OSIsWnN0QWxYZToiYjBjNGRlIixaTHc6ImZmZmZlMCIsbGltZToiZmYwMCIsbGltZWdZRjoiMzJjZDMyIixsUkY6ImZhZjBlNiIsbWFnRnRhOiJmZjAwZmYiLG1hUG9uOiI4MDAwMDAiLFZhcXVhbWFyUmU6IjY2Y2RhYSIsVlhlOiJjZCIsVlNjRWQ6ImJhNTVkMyIsVnB1cnBOOiI5MzcwZGIiLFZzSGdZRjoiM2NiMzcxIixWVVhlOiI3YjY4ZWUiLFZzcHJSZ2dZRjoiZmE5YSIsVlFlOiI0OGQxY2MiLFZ2aVRldFlkOiJjNzE1ODUiLG1pZG5pZ2h0WGU6IjE5MTk3MCIsbVJ0Y1lhbToiZjVmZmZhIixtaXN0eVBzZToiZmZlNGUxIixtb2NjYXNSOiJmZmU0YjUiLG5hdmFqb3dFdGU6ImZmZGVhZCIsbmF2eToiODAiLFRkbGFjZToiZmRmNWU2IixUaXZlOiI4MDgwMDAiLFRpdmVkQmI6IjZiOGUyMyIsU2FuZ2U6ImZmYTUwMCIsU2FuZ2VZZDoiZmY0NTAwIixTY0VkOiJkYTcwZDYiLHBPZWdUTW5QZDoiZWVlOGFhIixwT2VnWUY6Ijk4ZmI5OCIscE9lUWU6ImFmZWVlZSIscE9ldmlUZXRZZDoiZGI3MDkzIixwYXBheWF3RXA6ImZmZWZkNSIscEhLcHVmZjoiZmZkYWI5IixwZXJ1OiJjZDg1M2YiLHBSazoiZmZjMGNiIixwbHVtOiJkZGEwZGQiLHBvd01yWGU6ImIwZTBlNiIscHVycE46IjgwMDA4MCIsWWJlY2NhcHVycE46IjY2MzM5OSIsWWQ6ImZmMDAwMCIsUHN5YnJvd246ImJjOGY4ZiIsUHlPWGU6IjQxNjllMSIsc2FkZE5iUHduOiI4YjQ1MTMiLHNPbW9uOiJmYTgwNzIiLHNhbmR5YlB3bjoiZjRhNDYwIixzSGdZRjoiMmU4YjU3IixzSHNoZWxsOiJmZmY1ZWUiLHNpRm5hOiJhMDUyMmQiLHNpbHZlcjoiYzBjMGMwIixza3lYZToiODdjZWViIixVWGU6IjZhNWFjZCIsVVdheToiNzA4MDkwIixVZ1l5OiI3MDgwOTAiLHNub3c6ImZmZmFmYSIsc3ByUmdnWUY6ImZmN2YiLHN0QWxYZToiNDY4MmI0Iix0YW46ImQyYjQ4YyIsdGVPOiI4MDgwIix0RXN0TjoiZDhiZmQ4Iix0b21hdG86ImZmNjM0NyIsUWU6IjQwZTBkMCIsdmlUZXQ6ImVlODJlZSIsSkh0OiJmNWRlYjMiLHdFdGU6ImZmZmZmZiIsd0V0ZXNtb2tlOiJmNWY1ZjUiLEx3OiJmZmZmMDAiLEx3Z1lGOiI5YWNkMzIifTtsZXQgSHQ7ZnVuY3Rpb24ganQodCl7SHR8fChIdD1mdW5jdGlvbigpe2NvbnN0IHQ9e30sZT1PYmplY3Qua2V5cyhXdCksaT1PYmplY3Qua2V5cyhOdCk7bGV0IHMsbixvLGEscjtmb3Iocz0wO3M8ZS5sZW5ndGg7cysrKXtmb3IoYT1yPWVbc10sbj0wO248aS5sZW5ndGg7bisrKW89aVtuXSxyPXIucmVwbGFjZShvLE50W29dKTtvPXBhcnNlSW50KFd0W2FdLDE2KSx0W3JdPVtvPj4xNiYyNTUsbz4+OCYyNTUsMjU1Jm9dfXJldHVybiB0fSgpLEh0LnRyYW5zcGFyZW50PVswLDAsMCwwXSk7Y29uc3QgZT1IdFt0LnRvTG93ZXJDYXNlKCldO3JldHVybiBlJiZ7cjplWzBdLGc6ZVsxXSxiOmVbMl0sYTo0PT09ZS5sZW5ndGg/ZVszXToyNTV9fWNvbnN0ICR0PS9ecmdiYT9cKFxzKihbLSsuXGRdKykoJSk/W1xzLF0rKFstKy5lXGRdKykoJSk/W1xzLF0rKFstKy5lXGRdKykoJSk/KD86W1xzLC9dKyhbLSsuZVxkXSspKCUpPyk/XHMqXCkkLztjb25zdCBZdD10PT50PD0uMDAzMTMwOD8xMi45Mip0OjEuMDU1Kk1hdGgucG93KHQsMS8yLjQpLS4wNTUsVXQ9dD0+dDw9LjA0MDQ1P3QvMTIuOTI6TWF0aC5wb3coKHQrLjA1NSkvMS4wNTUsMi40KTtmdW5jdGlvbiBYdCh0LGUsaSl7aWYodCl7bGV0IHM9SXQodCk7c1tlXT1NYXRoLm1heCgwLE1hdGgubWluKHNbZV0rc1tlXSppLDA9PT1lPzM2MDoxKSkscz1GdChzKSx0LnI9c1swXSx0Lmc9c1sxXSx0LmI9c1syXX19ZnVuY3Rpb24gcXQodCxlKXtyZXR1cm4gdD9PYmplY3QuYXNzaWduKGV8fHt9LHQpOnR9ZnVuY3Rpb24gS3QodCl7dmFyIGU9e3I6MCxnOjAsYjowLGE6MjU1fTtyZXR1cm4gQXJyYXkuaXNBcnJheSh0KT90Lmxlbmd0aD49MyYmKGU9e3I6dFswXSxnOnRbMV0sYjp0WzJdLGE6MjU1fSx0Lmxlbmd0aD4zJiYoZS5hPU10KHRbM10pKSk6KGU9cXQodCx7cjowLGc6MCxiOjAsYToxfSkpLmE9TXQoZS5hKSxlfWZ1bmN0aW9uIEd0KHQpe3JldHVybiJyIj09PXQuY2hhckF0KDApP2Z1bmN0aW9uKHQpe2NvbnN0IGU9JHQuZXhlYyh0KTtsZXQgaSxzLG4sbz0yNTU7aWYoZSl7aWYoZVs3XSE9PWkpe2NvbnN0IHQ9K2VbN107bz1lWzhdP3Z0KHQpOnl0KDI1NSp0LDAsMjU1KX1yZXR1cm4gaT0rZVsxXSxzPStlWzNdLG49K2VbNV0saT0yNTUmKGVbMl0/dnQoaSk6eXQoaSwwLDI1NSkpLHM9MjU1JihlWzRdP3Z0KHMpOnl0KHMsMCwyNTUpKSxuPTI1NSYoZVs2XT92dChuKTp5dChuLDAsMjU1KSkse3I6aSxnOnMsYjpuLGE6b319fSh0KTpCdCh0KX1jbGFzcyBKdHtjb25zdHJ1Y3Rvcih0KXtpZih0IGluc3RhbmNlb2YgSnQpcmV0dXJuIHQ7Y29uc3QgZT10eXBlb2YgdDtsZXQgaTt2YXIgcyxuLG87Im9iamVjdCI9PT1lP2k9S3QodCk6InN0cmluZyI9PT1lJiYobz0ocz10KS5sZW5ndGgsIiMiPT09c1swXSYmKDQ9PT1vfHw1PT09bz9uPXtyOjI1NSYxNypTdFtzWzFdXSxnOjI1NSYxNypTdFtzWzJdXSxiOjI1NSYxNypTdFtzWzNdXSxhOjU9PT1vPzE3KlN0W3NbNF1dOjI1NX06NyE9PW8mJjkhPT1vfHwobj17cjpTdFtzWzFdXTw8NHxTdFtzWzJdXSxnOlN0W3NbM11dPDw0fFN0W3NbNF1dLGI6U3Rbc1s1XV08PDR8U3Rbc1s2XV0sYTo5PT09bz9TdFtzWzddXTw8NHxTdFtzWzhdXToyNTV9KSksaT1ufHxqdCh0KXx8R3QodCkpLHRoaXMuX3JnYj1pLHRoaXMuX3ZhbGlkPSEhaX1nZXQgdmFsaWQoKXtyZXR1cm4gdGhpcy5fdmFsaWR9Z2V0IHJnYigpe3ZhciB0PXF0KHRoaXMuX3JnYik7cmV0dXJuIHQmJih0LmE9d3QodC5hKSksdH1zZXQgcmdiKHQpe3RoaXMuX3JnYj1LdCh0KX1yZ2JTdHJpbmcoKXtyZXR1cm4gdGhpcy5fdmFsaWQ/KHQ9dGhpcy5fcmdiKSYmKHQuYTwyNTU/YHJnYmEoJHt0LnJ9LCAke3QuZ30sICR7dC5ifSwgJHt3dCh0LmEpfSlgOmByZ2IoJHt0LnJ9LCAke3QuZ30sICR7dC5ifSlgKTp2b2lkIDA7dmFyIHR9aGV4U3RyaW5nKCl7cmV0dXJuIHRoaXMuX3ZhbGlkP0F0KHRoaXMuX3JnYik6dm9pZCAwfWhzbFN0cmluZygpe3JldHVybiB0aGlzLl92YWxpZD9mdW5jdGlvbih0KXtpZighdClyZXR1cm47Y29uc3QgZT1JdCh0KSxpPWVbMF0scz1rdChlWzFdKSxuPWt0KGVbMl0pO3JldHVybiB0LmE8MjU1P2Boc2xhKCR7aX0sICR7c30lLCAke259JSwgJHt3dCh0LmEpfSlgOmBoc2woJHtpfSwgJHtzfSUsICR7bn0lKWB9KHRoaXMuX3JnYik6dm9pZCAwfW1peCh0LGUpe2lmKHQpe2NvbnN0IGk9dGhpcy5yZ2Iscz10LnJnYjtsZXQgbjtjb25zdCBvPWU9PT1uPy41OmUsYT0yKm8tMSxyPWkuYS1zLmEsbD0oKGEqcj09LTE/YTooYStyKS8oMSthKnIpKSsxKS8yO249MS1sLGkucj0yNTUmbCppLnIrbipzLnIrLjUsaS5nPTI1NSZsKmkuZytuKnMuZysuNSxpLmI9MjU1JmwqaS5iK24qcy5iKy41LGkuYT1vKmkuYSsoMS1vKSpzLmEsdGhpcy5yZ2I9aX1yZXR1cm4gdGhpc31pbnRlcnBvbGF0ZSh0LGUpe3JldHVybiB0JiYodGhpcy5fcmdiPWZ1bmN0aW9uKHQsZSxpKXtjb25zdCBzPVV0KHd0KHQucikpLG49VXQod3QodC5nKSksbz1VdCh3dCh0LmIpKTtyZXR1cm57cjpNdChZdChzK2kqKFV0KHd0KGUucikpLXMpKSksZzpNdChZdChuK2kqKFV0KHd0KGUuZykpLW4pKSksYjpNdChZdChvK2kqKFV0KHd0KGUuYikpLW8pKSksYTp0LmEraSooZS5hLXQuYSl9fSh0aGlzLl9yZ2IsdC5fcmdiLGUpKSx0aGlzfWNsb25lKCl7cmV0dXJuIG5ldyBKdCh0aGlzLnJnYil9YWxwaGEodCl7cmV0dXJuIHRoaXMuX3JnYi5hPU10KHQpLHRoaXN9Y2xlYXJlcih0KXtyZXR1cm4gdGhpcy5fcmdiLmEqPTEtdCx0aGlzfWdyZXlzY2FsZSgpe2NvbnN0IHQ9dGhpcy5fcmdiLGU9X3QoLjMqdC5yKy41OSp0LmcrLjExKnQuYik7cmV0dXJuIHQucj10Lmc9dC5iPWUsdGhpc31vcGFxdWVyKHQpe3JldHVybiB0aGlzLl9yZ2IuYSo9MSt0LHRoaXN9bmVnYXRlKCl7Y29uc3QgdD10aGlzLl9yZ2I7cmV0dXJuIHQucj0yNTUtdC5yLHQuZz0yNTUtdC5nLHQuYj0yNTUtdC5iLHRoaXN9bGlnaHRlbih0KXtyZXR1cm4gWHQodGhpcy5fcmdiLDIsdCksdGhpc31kYXJrZW4odCl7cmV0dXJuIFh0KHRoaXMuX3JnYiwyLC10KSx0aGlzfXNhdHVyYXRlKHQpe3JldHVybiBYdCh0aGlzLl9yZ2IsMSx0KSx0aGlzfWRlc2F0dXJhdGUodCl7cmV0dXJuIFh0KHRoaXMuX3JnYiwxLC10KSx0aGlzfXJvdGF0ZSh0KXtyZXR1cm4gZnVuY3Rpb24odCxlKXt2YXIgaT1JdCh0KTtpWzBdPVZ0KGlbMF0rZSksaT1GdChpKSx0LnI9aVswXSx0Lmc9aVsxXSx0LmI9aVsyXX0odGhpcy5fcmdiLHQpLHRoaXN9fWZ1bmN0aW9uIFp0KHQpe2lmKHQmJiJvYmplY3QiPT10eXBlb2YgdCl7Y29uc3QgZT10LnRvU3RyaW5nKCk7cmV0dXJuIltvYmplY3QgQ2FudmFzUGF0dGVybl0iPT09ZXx8IltvYmplY3QgQ2FudmFzR3JhZGllbnRdIj09PWV9cmV0dXJuITF9ZnVuY3Rpb24gUXQodCl7cmV0dXJuIFp0KHQpP3Q6bmV3IEp0KHQpfWZ1bmN0aW9uIHRlKHQpe3JldHVybiBadCh0KT90Om5ldyBKdCh0KS5zYXR1cmF0ZSguNSkuZGFya2VuKC4xKS5oZXhTdHJpbmcoKX1jb25zdCBlZT1bIngiLCJ5IiwiYm9yZGVyV2lkdGgiLCJyYWRpdXMiLCJ0ZW5zaW9uIl0saWU9WyJjb2xvciIsImJvcmRlckNvbG9yIiwiYmFja2dyb3VuZENvbG9yIl07Y29uc3Qgc2U9bmV3IE1hcDtmdW5jdGlvbiBuZSh0LGUsaSl7cmV0dXJuIGZ1bmN0aW9uKHQsZSl7ZT1lfHx7fTtjb25zdCBpPXQrSlNPTi5zdHJpbmdpZnkoZSk7bGV0IHM9c2UuZ2V0KGkpO3JldHVybiBzfHwocz1uZXcgSW50bC5OdW1iZXJGb3JtYXQodCxlKSxzZS5zZXQoaSxzKSksc30oZSxpKS5mb3JtYXQodCl9Y29uc3Qgb2U9e3ZhbHVlczp0PT5uKHQpP3Q6IiIrdCxudW1lcmljKHQsZSxpKXtpZigwPT09dClyZXR1cm4iMCI7Y29uc3Qgcz10aGlzLmNoYXJ0Lm9wdGlvbnMubG9jYWxlO2xldCBuLG89dDtpZihpLmxlbmd0aD4xKXtjb25zdCBlPU1hdGgubWF4KE1hdGguYWJzKGlbMF0udmFsdWUpLE1hdGguYWJzKGlbaS5sZW5ndGgtMV0udmFsdWUpKTsoZTwxZS00fHxlPjFlMTUpJiYobj0ic2NpZW50aWZpYyIpLG89ZnVuY3Rpb24odCxlKXtsZXQgaT1lLmxlbmd0aD4zP2VbMl0udmFsdWUtZVsxXS52YWx1ZTplWzFdLnZhbHVlLWVbMF0udmFsdWU7TWF0aC5hYnMoaSk+PTEmJnQhPT1NYXRoLmZsb29yKHQpJiYoaT10LU1hdGguZmxvb3IodCkpO3JldHVybiBpfSh0LGkpfWNvbnN0IGE9eihNYXRoLmFicyhvKSkscj1pc05hTihhKT8xOk1hdGgubWF4KE1hdGgubWluKC0xKk1hdGguZmxvb3IoYSksMjApLDApLGw9e25vdGF0aW9uOm4sbWluaW11bUZyYWN0aW9uRGlnaXRzOnIsbWF4aW11bUZyYWN0aW9uRGlnaXRzOnJ9O3JldHVybiBPYmplY3QuYXNzaWduKGwsdGhpcy5vcHRpb25zLnRpY2tzLmZvcm1hdCksbmUodCxzLGwpfSxsb2dhcml0aG1pYyh0LGUsaSl7aWYoMD09PXQpcmV0dXJuIjAiO2NvbnN0IHM9aVtlXS5zaWduaWZpY2FuZHx8dC9NYXRoLnBvdygxMCxNYXRoLmZsb29yKHoodCkpKTtyZXR1cm5bMSwyLDMsNSwxMCwxNV0uaW5jbHVkZXMocyl8fGU+LjgqaS5sZW5ndGg/b2UubnVtZXJpYy5jYWxsKHRoaXMsdCxlLGkpOiIifX07dmFyIGFlPXtmb3JtYXR0ZXJzOm9lfTtjb25zdCByZT1PYmplY3QuY3JlYXRlKG51bGwpLGxlPU9iamVjdC5jcmVhdGUobnVsbCk7ZnVuY3Rpb24gaGUodCxlKXtpZighZSlyZXR1cm4gdDtjb25zdCBpPWUuc3BsaXQoIi4iKTtmb3IobGV0IGU9MCxzPWkubGVuZ3RoO2U8czsrK2Upe2NvbnN0IHM9aVtlXTt0PXRbc118fCh0W3NdPU9iamVjdC5jcmVhdGUobnVsbCkpfXJldHVybiB0fWZ1bmN0aW9uIGNlKHQsZSxpKXtyZXR1cm4ic3RyaW5nIj09dHlwZW9mIGU/eChoZSh0LGUpLGkpOngoaGUodCwiIiksZSl9Y2xhc3MgZGV7Y29uc3RydWN0b3IodCxlKXt0aGlzLmFuaW1hdGlvbj12b2lkIDAsdGhpcy5iYWNrZ3JvdW5kQ29sb3I9InJnYmEoMCwwLDAsMC4xKSIsdGhpcy5ib3JkZXJDb2xvcj0icmdiYSgwLDAsMCwwLjEpIix0aGlzLmNvbG9yPSIjNjY2Iix0aGlzLmRhdGFzZXRzPXt9LHRoaXMuZGV2aWNlUGl4ZWxSYXRpbz10PT50LmNoYXJ0LnBsYXRmb3JtLmdldERldmljZVBpeGVsUmF0aW8oKSx0aGlzLmVsZW1lbnRzPXt9LHRoaXMuZXZlbnRzPVsibW91c2Vtb3ZlIiwibW91c2VvdXQiLCJjbGljayIsInRvdWNoc3RhcnQiLCJ0b3VjaG1vdmUiXSx0aGlzLmZvbnQ9e2ZhbWlseToiJ0hlbHZldGljYSBOZXVlJywgJ0hlbHZldGljYScsICdBcmlhbCcsIHNhbnMtc2VyaWYiLHNpemU6MTIsc3R5bGU6Im5vcm1hbCIsbGluZUhlaWdodDoxLjIsd2VpZ2h0Om51bGx9LHRoaXMuaG92ZXI9e30sdGhpcy5ob3ZlckJhY2tncm91bmRDb2xvcj0odCxlKT0+dGUoZS5iYWNrZ3JvdW5kQ29sb3IpLHRoaXMuaG92ZXJCb3JkZXJDb2xvcj0odCxlKT0+dGUoZS5ib3JkZXJDb2xvciksdGhpcy5ob3ZlckNvbG9yPSh0LGUpPT50ZShlLmNvbG9yKSx0aGlzLmluZGV4QXhpcz0ieCIsdGhpcy5pbnRlcmFjdGlvbj17bW9kZToibmVhcmVzdCIsaW50ZXJzZWN0OiEwLGluY2x1ZGVJbnZpc2libGU6ITF9LHRoaXMubWFpbnRhaW5Bc3BlY3RSYXRpbz0hMCx0aGlzLm9uSG92ZXI9bnVsbCx0aGlzLm9uQ2xpY2s9bnVsbCx0aGlzLnBhcnNpbmc9ITAsdGhpcy5wbHVnaW5zPXt9LHRoaXMucmVzcG9uc2l2ZT0hMCx0aGlzLnNjYWxlPXZvaWQgMCx0aGlzLnNjYWxlcz17fSx0aGlzLnNob3dMaW5lPSEwLHRoaXMuZHJhd0FjdGl2ZUVsZW1lbnRzT25Ub3A9ITAsdGhpcy5kZXNjcmliZSh0KSx0aGlzLmFwcGx5KGUpfXNldCh0LGUpe3JldHVybiBjZSh0aGlzLHQsZSl9Z2V0KHQpe3JldHVybiBoZSh0aGlzLHQpfWRlc2NyaWJlKHQsZSl7cmV0dXJuIGNlKGxlLHQsZSl9b3ZlcnJpZGUodCxlKXtyZXR1cm4gY2UocmUsdCxlKX1yb3V0ZSh0LGUsaSxzKXtjb25zdCBuPWhlKHRoaXMsdCksYT1oZSh0aGlzLGkpLHI9Il8iK2U7T2JqZWN0LmRlZmluZVByb3BlcnRpZXMobix7W3JdOnt2YWx1ZTpuW2VdLHdyaXRhYmxlOiEwfSxbZV06e2VudW1lcmFibGU6ITAsZ2V0KCl7Y29uc3QgdD10aGlzW3JdLGU9YVtzXTtyZXR1cm4gbyh0KT9PYmplY3QuYXNzaWduKHt9LGUsdCk6bCh0LGUpfSxzZXQodCl7dGhpc1tyXT10fX19KX1hcHBseSh0KXt0LmZvckVhY2goKHQ9PnQodGhpcykpKX19dmFyIHVlPW5ldyBkZSh7X3NjcmlwdGFibGU6dD0+IXQuc3RhcnRzV2l0aCgib24iKSxfaW5kZXhhYmxlOnQ9PiJldmVudHMiIT09dCxob3Zlcjp7X2ZhbGxiYWNrOiJpbnRlcmFjdGlvbiJ9LGludGVyYWN0aW9uOntfc2NyaXB0YWJsZTohMSxfaW5kZXhhYmxlOiExfX0sW2Z1bmN0aW9uKHQpe3Quc2V0KCJhbmltYXRpb24iLHtkZWxheTp2b2lkIDAsZHVyYXRpb246MWUzLGVhc2luZzoiZWFzZU91dFF1YXJ0Iixmbjp2b2lkIDAsZnJvbTp2b2lkIDAsbG9vcDp2b2lkIDAsdG86dm9pZCAwLHR5cGU6dm9pZCAwfSksdC5kZXNjcmliZSgiYW5pbWF0aW9uIix7X2ZhbGxiYWNrOiExLF9pbmRleGFibGU6ITEsX3NjcmlwdGFibGU6dD0+Im9uUHJvZ3Jlc3MiIT09dCYmIm9uQ29tcGxldGUiIT09dCYmImZuIiE9PXR9KSx0LnNldCgiYW5pbWF0aW9ucyIse2NvbG9yczp7dHlwZToiY29sb3IiLHByb3BlcnRpZXM6aWV9LG51bWJlcnM6e3R5cGU6Im51bWJlciIscHJvcGVydGllczplZX19KSx0LmRlc2NyaWJlKCJhbmltYXRpb25zIix7X2ZhbGxiYWNrOiJhbmltYXRpb24ifSksdC5zZXQoInRyYW5zaXRpb25zIix7YWN0aXZlOnthbmltYXRpb246e2R1cmF0aW9uOjQwMH19LHJlc2l6ZTp7YW5pbWF0aW9uOntkdXJhdGlvbjowfX0sc2hvdzp7YW5pbWF0aW9uczp7Y29sb3JzOntmcm9tOiJ0cmFuc3BhcmVudCJ9LHZpc2libGU6e3R5cGU6ImJvb2xlYW4iLGR1cmF0aW9uOjB9fX0saGlkZTp7YW5pbWF0aW9uczp7Y29sb3JzOnt0bzoidHJhbnNwYXJlbnQifSx2aXNpYmxlOnt0eXBlOiJib29sZWFuIixlYXNpbmc6ImxpbmVhciIsZm46dD0+MHx0fX19fSl9LGZ1bmN0aW9uKHQpe3Quc2V0KCJsYXlvdXQiLHthdXRvUGFkZGluZzohMCxwYWRkaW5nOnt0b3A6MCxyaWdodDowLGJvdHRvbTowLGxlZnQ6MH19KX0sZnVuY3Rpb24odCl7dC5zZXQoInNjYWxlIix7ZGlzcGxheTohMCxvZmZzZXQ6ITEscmV2ZXJzZTohMSxiZWdpbkF0WmVybzohMSxib3VuZHM6InRpY2tzIixjbGlwOiEwLGdyYWNlOjAsZ3JpZDp7ZGlzcGxheTohMCxsaW5lV2lkdGg6MSxkcmF3T25DaGFydEFyZWE6ITAsZHJhd1RpY2tzOiEwLHRpY2tMZW5ndGg6OCx0aWNrV2lkdGg6KHQsZSk9PmUubGluZVdpZHRoLHRpY2tDb2xvcjoodCxlKT0+ZS5jb2xvcixvZmZzZXQ6ITF9LGJvcmRlcjp7ZGlzcGxheTohMCxkYXNoOltdLGRhc2hPZmZzZXQ6MCx3aWR0aDoxfSx0aXRsZTp7ZGlzcGxheTohMSx0ZXh0OiIiLHBhZGRpbmc6e3RvcDo0LGJvdHRvbTo0fX0sdGlja3M6e21pblJvdGF0aW9uOjAsbWF4Um90YXRpb246NTAsbWlycm9yOiExLHRleHRTdHJva2VXaWR0aDowLHRleHRTdHJva2VDb2xvcjoiIixwYWRkaW5nOjMsZGlzcGxheTohMCxhdXRvU2tpcDohMCxhdXRvU2tpcFBhZGRpbmc6MyxsYWJlbE9mZnNldDowLGNhbGxiYWNrOmFlLmZvcm1hdHRlcnMudmFsdWVzLG1pbm9yOnt9LG1ham9yOnt9LGFsaWduOiJjZW50ZXIiLGNyb3NzQWxpZ246Im5lYXIiLHNob3dMYWJlbEJhY2tkcm9wOiExLGJhY2tkcm9wQ29sb3I6InJnYmEoMjU1LCAyNTUsIDI1NSwgMC43NSkiLGJhY2tkcm9wUGFkZGluZzoyfX0pLHQucm91dGUoInNjYWxlLnRpY2tzIiwiY29sb3IiLCIiLCJjb2xvciIpLHQucm91dGUoInNjYWxlLmdyaWQiLCJjb2xvciIsIiIsImJvcmRlckNvbG9yIiksdC5yb3V0ZSgic2NhbGUuYm9yZGVyIiwiY29sb3IiLCIiLCJib3JkZXJDb2xvciIpLHQucm91dGUoInNjYWxlLnRpdGxlIiwiY29sb3IiLCIiLCJjb2xvciIpLHQuZGVzY3JpYmUoInNjYWxlIix7X2ZhbGxiYWNrOiExLF9zY3JpcHRhYmxlOnQ9PiF0LnN0YXJ0c1dpdGgoImJlZm9yZSIpJiYhdC5zdGFydHNXaXRoKCJhZnRlciIpJiYiY2FsbGJhY2siIT09dCYmInBhcnNlciIhPT10LF9pbmRleGFibGU6dD0+ImJvcmRlckRhc2giIT09dCYmInRpY2tCb3JkZXJEYXNoIiE9PXQmJiJkYXNoIiE9PXR9KSx0LmRlc2NyaWJlKCJzY2FsZXMiLHtfZmFsbGJhY2s6InNjYWxlIn0pLHQuZGVzY3JpYmUoInNjYWxlLnRpY2tzIix7X3NjcmlwdGFibGU6dD0+ImJhY2tkcm9wUGFkZGluZyIhPT10JiYiY2FsbGJhY2siIT09dCxfaW5kZXhhYmxlOnQ9PiJiYWNrZHJvcFBhZGRpbmciIT09dH0pfV0pO2Z1bmN0aW9uIGZlKCl7cmV0dXJuInVuZGVmaW5lZCIhPXR5cGVvZiB3aW5kb3cmJiJ1bmRlZmluZWQiIT10eXBlb2YgZG9jdW1lbnR9ZnVuY3Rpb24gZ2UodCl7bGV0IGU9dC5wYXJlbnROb2RlO3JldHVybiBlJiYiW29iamVjdCBTaGFkb3dSb290XSI9PT1lLnRvU3RyaW5nKCkmJihlPWUuaG9zdCksZX1mdW5jdGlvbiBwZSh0LGUsaSl7bGV0IHM7cmV0dXJuInN0cmluZyI9PXR5cGVvZiB0PyhzPXBhcnNlSW50KHQsMTApLC0xIT09dC5pbmRleE9mKCIlIikmJihzPXMvMTAwKmUucGFyZW50Tm9kZVtpXSkpOnM9dCxzfWNvbnN0IG1lPXQ9PnQub3duZXJEb2N1bWVudC5kZWZhdWx0Vmlldy5nZXRDb21wdXRlZFN0eWxlKHQsbnVsbCk7ZnVuY3Rpb24geGUodCxlKXtyZXR1cm4gbWUodCkuZ2V0UHJvcGVydHlWYWx1ZShlKX1jb25zdCBiZT1bInRvcCIsInJpZ2h0IiwiYm90dG9tIiwibGVmdCJdO2Z1bmN0aW9uIF9lKHQsZSxpKXtjb25zdCBzPXt9O2k9aT8iLSIraToiIjtmb3IobGV0IG49MDtuPDQ7bisrKXtjb25zdCBvPWJlW25dO3Nbb109cGFyc2VGbG9hdCh0W2UrIi0iK28raV0pfHwwfXJldHVybiBzLndpZHRoPXMubGVmdCtzLnJpZ2h0LHMuaGVpZ2h0PXMudG9wK3MuYm90dG9tLHN9Y29uc3QgeWU9KHQsZSxpKT0+KHQ+MHx8ZT4wKSYmKCFpfHwhaS5zaGFkb3dSb290KTtmdW5jdGlvbiB2ZSh0LGUpe2lmKCJuYXRpdmUiaW4gdClyZXR1cm4gdDtjb25zdHtjYW52YXM6aSxjdXJyZW50RGV2aWNlUGl4ZWxSYXRpbzpzfT1lLG49bWUoaSksbz0iYm9yZGVyLWJveCI9PT1uLmJveFNpemluZyxhPV9lKG4sInBhZGRpbmciKSxyPV9lKG4sImJvcmRlciIsIndpZHRoIikse3g6bCx5OmgsYm94OmN9PWZ1bmN0aW9uKHQsZSl7Y29uc3QgaT10LnRvdWNoZXMscz1pJiZpLmxlbmd0aD9pWzBdOnQse29mZnNldFg6bixvZmZzZXRZOm99PXM7bGV0IGEscixsPSExO2lmKHllKG4sbyx0LnRhcmdldCkpYT1uLHI9bztlbHNle2NvbnN0IHQ9ZS5nZXRCb3VuZGluZ0NsaWVudFJlY3QoKTthPXMuY2xpZW50WC10LmxlZnQscj1zLmNsaWVudFktdC50b3AsbD0hMH1yZXR1cm57eDphLHk6cixib3g6bH19KHQsaSksZD1hLmxlZnQrKGMmJnIubGVmdCksdT1hLnRvcCsoYyYmci50b3ApO2xldHt3aWR0aDpmLGhlaWdodDpnfT1lO3JldHVybiBvJiYoZi09YS53aWR0aCtyLndpZHRoLGctPWEuaGVpZ2h0K3IuaGVpZ2h0KSx7eDpNYXRoLnJvdW5kKChsLWQpL2YqaS53aWR0aC9zKSx5Ok1hdGgucm91bmQoKGgtdSkvZyppLmhlaWdodC9zKX19Y29uc3QgTWU9dD0+TWF0aC5yb3VuZCgxMCp0KS8xMDtmdW5jdGlvbiB3ZSh0LGUsaSxzKXtjb25zdCBuPW1lKHQpLG89X2UobiwibWFyZ2luIiksYT1wZShuLm1heFdpZHRoLHQsImNsaWVudFdpZHRoIil8fFQscj1wZShuLm1heEhlaWdodCx0LCJjbGllbnRIZWlnaHQiKXx8VCxsPWZ1bmN0aW9uKHQsZSxpKXtsZXQgcyxuO2lmKHZvaWQgMD09PWV8fHZvaWQgMD09PWkpe2NvbnN0IG89dCYmZ2UodCk7aWYobyl7Y29uc3QgdD1vLmdldEJvdW5kaW5nQ2xpZW50UmVjdCgpLGE9bWUobykscj1fZShhLCJib3JkZXIiLCJ3aWR0aCIpLGw9X2UoYSwicGFkZGluZyIpO2U9dC53aWR0aC1sLndpZHRoLXIud2lkdGgsaT10LmhlaWdodC1sLmhlaWdodC1yLmhlaWdodCxzPXBlKGEubWF4V2lkdGgsbywiY2xpZW50V2lkdGgiKSxuPXBlKGEubWF4SGVpZ2h0LG8sImNsaWVudEhlaWdodCIpfWVsc2UgZT10LmNsaWVudFdpZHRoLGk9dC5jbGllbnRIZWlnaHR9cmV0dXJue3dpZHRoOmUsaGVpZ2h0OmksbWF4V2lkdGg6c3x8VCxtYXhIZWlnaHQ6bnx8VH19KHQsZSxpKTtsZXR7d2lkdGg6aCxoZWlnaHQ6Y309bDtpZigiY29udGVudC1ib3giPT09bi5ib3hTaXppbmcpe2NvbnN0IHQ9X2UobiwiYm9yZGVyIiwid2lkdGgiKSxlPV9lKG4sInBhZGRpbmciKTtoLT1lLndpZHRoK3Qud2lkdGgsYy09ZS5oZWlnaHQrdC5oZWlnaHR9aD1NYXRoLm1heCgwLGgtby53aWR0aCksYz1NYXRoLm1heCgwLHM/aC9zOmMtby5oZWlnaHQpLGg9TWUoTWF0aC5taW4oaCxhLGwubWF4V2lkdGgpKSxjPU1lKE1hdGgubWluKGMscixsLm1heEhlaWdodCkpLGgmJiFjJiYoYz1NZShoLzIpKTtyZXR1cm4odm9pZCAwIT09ZXx8dm9pZCAwIT09aSkmJnMmJmwuaGVpZ2h0JiZjPmwuaGVpZ2h0JiYoYz1sLmhlaWdodCxoPU1lKE1hdGguZmxvb3IoYypzKSkpLHt3aWR0aDpoLGhlaWdodDpjfX1mdW5jdGlvbiBrZSh0LGUsaSl7Y29uc3Qgcz1lfHwxLG49TWUodC5oZWlnaHQqcyksbz1NZSh0LndpZHRoKnMpO3QuaGVpZ2h0PU1lKHQuaGVpZ2h0KSx0LndpZHRoPU1lKHQud2lkdGgpO2NvbnN0IGE9dC5jYW52YXM7YS5zdHlsZSYmKGl8fCFhLnN0eWxlLmhlaWdodCYmIWEuc3R5bGUud2lkdGgpJiYoYS5zdHlsZS5oZWlnaHQ9YCR7dC5oZWlnaHR9cHhgLGEuc3R5bGUud2lkdGg9YCR7dC53aWR0aH1weGApO2NvbnN0IHI9TWF0aC5mbG9vcihuKSxsPU1hdGguZmxvb3Iobyk7cmV0dXJuKHQuY3VycmVudERldmljZVBpeGVsUmF0aW8hPT1zfHxhLmhlaWdodCE9PXJ8fGEud2lkdGghPT1sKSYmKHQuY3VycmVudERldmljZVBpeGVsUmF0aW89cyxhLmhlaWdodD1yLGEud2lkdGg9bCx0LmN0eC5zZXRUcmFuc2Zvcm0ocywwLDAscywwLDApLCEwKX1jb25zdCBTZT1mdW5jdGlvbigpe2xldCB0PSExO3RyeXtjb25zdCBlPXtnZXQgcGFzc2l2ZSgpe3JldHVybiB0PSEwLCExfX07ZmUoKSYmKHdpbmRvdy5hZGRFdmVudExpc3RlbmVyKCJ0ZXN0IixudWxsLGUpLHdpbmRvdy5yZW1vdmVFdmVudExpc3RlbmVyKCJ0ZXN0IixudWxsLGUpKX1jYXRjaCh0KXt9cmV0dXJuIHR9KCk7ZnVuY3Rpb24gUGUodCxlKXtjb25zdCBpPXhlKHQsZSkscz1pJiZpLm1hdGNoKC9eKFxkKykoXC5cZCspP3B4JC8pO3JldHVybiBzPytzWzFdOnZvaWQgMH1mdW5jdGlvbiBEZSh0KXtyZXR1cm4hdHx8cyh0LnNpemUpfHxzKHQuZmFtaWx5KT9udWxsOih0LnN0eWxlP3Quc3R5bGUrIiAiOiIiKSsodC53ZWlnaHQ/dC53ZWlnaHQrIiAiOiIiKSt0LnNpemUrInB4ICIrdC5mYW1pbHl9ZnVuY3Rpb24gQ2UodCxlLGkscyxuKXtsZXQgbz1lW25dO3JldHVybiBvfHwobz1lW25dPXQubWVhc3VyZVRleHQobikud2lkdGgsaS5wdXNoKG4pKSxvPnMmJihzPW8pLHN9ZnVuY3Rpb24gT2UodCxlLGkscyl7bGV0IG89KHM9c3x8e30pLmRhdGE9cy5kYXRhfHx7fSxhPXMuZ2FyYmFnZUNvbGxlY3Q9cy5nYXJiYWdlQ29sbGVjdHx8W107cy5mb250IT09ZSYmKG89cy5kYXRhPXt9LGE9cy5nYXJiYWdlQ29sbGVjdD1bXSxzLmZvbnQ9ZSksdC5zYXZlKCksdC5mb250PWU7bGV0IHI9MDtjb25zdCBsPWkubGVuZ3RoO2xldCBoLGMsZCx1LGY7Zm9yKGg9MDtoPGw7aCsrKWlmKHU9aVtoXSxudWxsPT11fHxuKHUpKXtpZihuKHUpKWZvcihjPTAsZD11Lmxlbmd0aDtjPGQ7YysrKWY9dVtjXSxudWxsPT1mfHxuKGYpfHwocj1DZSh0LG8sYSxyLGYpKX1lbHNlIHI9Q2UodCxvLGEscix1KTt0LnJlc3RvcmUoKTtjb25zdCBnPWEubGVuZ3RoLzI7aWYoZz5pLmxlbmd0aCl7Zm9yKGg9MDtoPGc7aCsrKWRlbGV0ZSBvW2FbaF1dO2Euc3BsaWNlKDAsZyl9cmV0dXJuIHJ9ZnVuY3Rpb24gQWUodCxlLGkpe2NvbnN0IHM9dC5jdXJyZW50RGV2aWNlUGl4ZWxSYXRpbyxuPTAhPT1pP01hdGgubWF4KGkvMiwuNSk6MDtyZXR1cm4gTWF0aC5yb3VuZCgoZS1uKSpzKS9zK259ZnVuY3Rpb24gVGUodCxlKXsoZXx8dCkmJigoZT1lfHx0LmdldENvbnRleHQoIjJkIikpLnNhdmUoKSxlLnJlc2V0VHJhbnNmb3JtKCksZS5jbGVhclJlY3QoMCwwLHQud2lkdGgsdC5oZWlnaHQpLGUucmVzdG9yZSgpKX1mdW5jdGlvbiBMZSh0LGUsaSxzKXtFZSh0LGUsaSxzLG51bGwpfWZ1bmN0aW9uIEVlKHQsZSxpLHMsbil7bGV0IG8sYSxyLGwsaCxjLGQsdTtjb25zdCBmPWUucG9pbnRTdHlsZSxnPWUucm90YXRpb24scD1lLnJhZGl1cztsZXQgbT0oZ3x8MCkqTDtpZihmJiYib2JqZWN0Ij09dHlwZW9mIGYmJihvPWYudG9TdHJpbmcoKSwiW29iamVjdCBIVE1MSW1hZ2VFbGVtZW50XSI9PT1vfHwiW29iamVjdCBIVE1MQ2FudmFzRWxlbWVudF0iPT09bykpcmV0dXJuIHQuc2F2ZSgpLHQudHJhbnNsYXRlKGkscyksdC5yb3RhdGUobSksdC5kcmF3SW1hZ2UoZiwtZi53aWR0aC8yLC1mLmhlaWdodC8yLGYud2lkdGgsZi5oZWlnaHQpLHZvaWQgdC5yZXN0b3JlKCk7aWYoIShpc05hTihwKXx8cDw9MCkpe3N3aXRjaCh0LmJlZ2luUGF0aCgpLGYpe2RlZmF1bHQ6bj90LmVsbGlwc2UoaSxzLG4vMixwLDAsMCxPKTp0LmFyYyhpLHMscCwwLE8pLHQuY2xvc2VQYXRoKCk7YnJlYWs7Y2FzZSJ0cmlhbmdsZSI6Yz1uP24vMjpwLHQubW92ZVRvKGkrTWF0aC5zaW4obSkqYyxzLU1hdGguY29zKG0pKnApLG0rPUksdC5saW5lVG8oaStNYXRoLnNpbihtKSpjLHMtTWF0aC5jb3MobSkqcCksbSs9SSx0LmxpbmVUbyhpK01hdGguc2luKG0pKmMscy1NYXRoLmNvcyhtKSpwKSx0LmNsb3NlUGF0aCgpO2JyZWFrO2Nhc2UicmVjdFJvdW5kZWQiOmg9LjUxNipwLGw9cC1oLGE9TWF0aC5jb3MobStSKSpsLGQ9TWF0aC5jb3MobStSKSoobj9uLzItaDpsKSxyPU1hdGguc2luKG0rUikqbCx1PU1hdGguc2luKG0rUikqKG4/bi8yLWg6bCksdC5hcmMoaS1kLHMtcixoLG0tQyxtLUUpLHQuYXJjKGkrdSxzLWEsaCxtLUUsbSksdC5hcmMoaStkLHMrcixoLG0sbStFKSx0LmFyYyhpLXUscythLGgsbStFLG0rQyksdC5jbG9zZVBhdGgoKTticmVhaztjYXNlInJlY3QiOmlmKCFnKXtsPU1hdGguU1FSVDFfMipwLGM9bj9uLzI6bCx0LnJlY3QoaS1jLHMtbCwyKmMsMipsKTticmVha31tKz1SO2Nhc2UicmVjdFJvdCI6ZD1NYXRoLmNvcyhtKSoobj9uLzI6cCksYT1NYXRoLmNvcyhtKSpwLHI9TWF0aC5zaW4obSkqcCx1PU1hdGguc2luKG0pKihuP24vMjpwKSx0Lm1vdmVUbyhpLWQscy1yKSx0LmxpbmVUbyhpK3Uscy1hKSx0LmxpbmVUbyhpK2QscytyKSx0LmxpbmVUbyhpLXUscythKSx0LmNsb3NlUGF0aCgpO2JyZWFrO2Nhc2UiY3Jvc3NSb3QiOm0rPVI7Y2FzZSJjcm9zcyI6ZD1NYXRoLmNvcyhtKSoobj9uLzI6cCksYT1NYXRoLmNvcyhtKSpwLHI9TWF0aC5zaW4obSkqcCx1PU1hdGguc2luKG0pKihuP24vMjpwKSx0Lm1vdmVUbyhpLWQscy1yKSx0LmxpbmVUbyhpK2QscytyKSx0Lm1vdmVUbyhpK3Uscy1hKSx0LmxpbmVUbyhpLXUscythKTticmVhaztjYXNlInN0YXIiOmQ9TWF0aC5jb3MobSkqKG4/bi8yOnApLGE9TWF0aC5jb3MobSkqcCxyPU1hdGguc2luKG0pKnAsdT1NYXRoLnNpbihtKSoobj9uLzI6cCksdC5tb3ZlVG8oaS1kLHMtciksdC5saW5lVG8oaStkLHMrciksdC5tb3ZlVG8oaSt1LHMtYSksdC5saW5lVG8oaS11LHMrYSksbSs9UixkPU1hdGguY29zKG0pKihuP24vMjpwKSxhPU1hdGguY29zKG0pKnAscj1NYXRoLnNpbihtKSpwLHU9TWF0aC5zaW4obSkqKG4/bi8yOnApLHQubW92ZVRvKGktZCxzLXIpLHQubGluZVRvKGkrZCxzK3IpLHQubW92ZVRvKGkrdSxzLWEpLHQubGluZVRvKGktdSxzK2EpO2JyZWFrO2Nhc2UibGluZSI6YT1uP24vMjpNYXRoLmNvcyhtKSpwLHI9TWF0aC5zaW4obSkqcCx0Lm1vdmVUbyhpLWEscy1yKSx0LmxpbmVUbyhpK2EscytyKTticmVhaztjYXNlImRhc2giOnQubW92ZVRvKGkscyksdC5saW5lVG8oaStNYXRoLmNvcyhtKSoobj9uLzI6cCkscytNYXRoLnNpbihtKSpwKTticmVhaztjYXNlITE6dC5jbG9zZVBhdGgoKX10LmZpbGwoKSxlLmJvcmRlcldpZHRoPjAmJnQuc3Ryb2tlKCl9fWZ1bmN0aW9uIFJlKHQsZSxpKXtyZXR1cm4gaT1pfHwuNSwhZXx8dCYmdC54PmUubGVmdC1pJiZ0Lng8ZS5yaWdodCtpJiZ0Lnk+ZS50b3AtaSYmdC55PGUuYm90dG9tK2l9ZnVuY3Rpb24gSWUodCxlKXt0LnNhdmUoKSx0LmJlZ2luUGF0aCgpLHQucmVjdChlLmxlZnQsZS50b3AsZS5yaWdodC1lLmxlZnQsZS5ib3R0b20tZS50b3ApLHQuY2xpcCgpfWZ1bmN0aW9uIHplKHQpe3QucmVzdG9yZSgpfWZ1bmN0aW9uIEZlKHQsZSxpLHMsbil7aWYoIWUpcmV0dXJuIHQubGluZVRvKGkueCxpLnkpO2lmKCJtaWRkbGUiPT09bil7Y29uc3Qgcz0oZS54K2kueCkvMjt0LmxpbmVUbyhzLGUueSksdC5saW5lVG8ocyxpLnkpfWVsc2UiYWZ0ZXIiPT09biE9ISFzP3QubGluZVRvKGUueCxpLnkpOnQubGluZVRvKGkueCxlLnkpO3QubGluZVRvKGkueCxpLnkpfWZ1bmN0aW9uIFZlKHQsZSxpLHMpe2lmKCFlKXJldHVybiB0LmxpbmVUbyhpLngsaS55KTt0LmJlemllckN1cnZlVG8ocz9lLmNwMXg6ZS5jcDJ4LHM/ZS5jcDF5OmUuY3AyeSxzP2kuY3AyeDppLmNwMXgscz9pLmNwMnk6aS5jcDF5LGkueCxpLnkpfWZ1bmN0aW9uIEJlKHQsZSxpLHMsbil7aWYobi5zdHJpa2V0aHJvdWdofHxuLnVuZGVybGluZSl7Y29uc3Qgbz10Lm1lYXN1cmVUZXh0KHMpLGE9ZS1vLmFjdHVhbEJvdW5kaW5nQm94TGVmdCxyPWUrby5hY3R1YWxCb3VuZGluZ0JveFJpZ2h0LGw9aS1vLmFjdHVhbEJvdW5kaW5nQm94QXNjZW50LGg9aStvLmFjdHVhbEJvdW5kaW5nQm94RGVzY2VudCxjPW4uc3RyaWtldGhyb3VnaD8obCtoKS8yOmg7dC5zdHJva2VTdHlsZT10LmZpbGxTdHlsZSx0LmJlZ2luUGF0aCgpLHQubGluZVdpZHRoPW4uZGVjb3JhdGlvbldpZHRofHwyLHQubW92ZVRvKGEsYyksdC5saW5lVG8ocixjKSx0LnN0cm9rZSgpfX1mdW5jdGlvbiBOZSh0LGUpe2NvbnN0IGk9dC5maWxsU3R5bGU7dC5maWxsU3R5bGU9ZS5jb2xvcix0LmZpbGxSZWN0KGUubGVmdCxlLnRvcCxlLndpZHRoLGUuaGVpZ2h0KSx0LmZpbGxTdHlsZT1pfWZ1bmN0aW9uIFdlKHQsZSxpLG8sYSxyPXt9KXtjb25zdCBsPW4oZSk/ZTpbZV0saD1yLnN0cm9rZVdpZHRoPjAmJiIiIT09ci5zdHJva2VDb2xvcjtsZXQgYyxkO2Zvcih0LnNhdmUoKSx0LmZvbnQ9YS5zdHJpbmcsZnVuY3Rpb24odCxlKXtlLnRyYW5zbGF0aW9uJiZ0LnRyYW5zbGF0ZShlLnRyYW5zbGF0aW9uWzBdLGUudHJhbnNsYXRpb25bMV0pLHMoZS5yb3RhdGlvbil8fHQucm90YXRlKGUucm90YXRpb24pLGUuY29sb3ImJih0LmZpbGxTdHlsZT1lLmNvbG9yKSxlLnRleHRBbGlnbiYmKHQudGV4dEFsaWduPWUudGV4dEFsaWduKSxlLnRleHRCYXNlbGluZSYmKHQudGV4dEJhc2VsaW5lPWUudGV4dEJhc2VsaW5lKX0odCxyKSxjPTA7YzxsLmxlbmd0aDsrK2MpZD1sW2NdLHIuYmFja2Ryb3AmJk5lKHQsci5iYWNrZHJvcCksaCYmKHIuc3Ryb2tlQ29sb3ImJih0LnN0cm9rZVN0eWxlPXIuc3Ryb2tlQ29sb3IpLHMoci5zdHJva2VXaWR0aCl8fCh0LmxpbmVXaWR0aD1yLnN0cm9rZVdpZHRoKSx0LnN0cm9rZVRleHQoZCxpLG8sci5tYXhXaWR0aCkpLHQuZmlsbFRleHQoZCxpLG8sci5tYXhXaWR0aCksQmUodCxpLG8sZCxyKSxvKz1OdW1iZXIoYS5saW5lSGVpZ2h0KTt0LnJlc3RvcmUoKX1mdW5jdGlvbiBIZSh0LGUpe2NvbnN0e3g6aSx5OnMsdzpuLGg6byxyYWRpdXM6YX09ZTt0LmFyYyhpK2EudG9wTGVmdCxzK2EudG9wTGVmdCxhLnRvcExlZnQsMS41KkMsQywhMCksdC5saW5lVG8oaSxzK28tYS5ib3R0b21MZWZ0KSx0LmFyYyhpK2EuYm90dG9tTGVmdCxzK28tYS5ib3R0b21MZWZ0LGEuYm90dG9tTGVmdCxDLEUsITApLHQubGluZVRvKGkrbi1hLmJvdHRvbVJpZ2h0LHMrbyksdC5hcmMoaStuLWEuYm90dG9tUmlnaHQscytvLWEuYm90dG9tUmlnaHQsYS5ib3R0b21SaWdodCxFLDAsITApLHQubGluZVRvKGkrbixzK2EudG9wUmlnaHQpLHQuYXJjKGkrbi1hLnRvcFJpZ2h0LHMrYS50b3BSaWdodCxhLnRvcFJpZ2h0LDAsLUUsITApLHQubGluZVRvKGkrYS50b3BMZWZ0LHMpfWZ1bmN0aW9uIGplKHQsZT1bIiJdLGkscyxuPSgoKT0+dFswXSkpe2NvbnN0IG89aXx8dDt2b2lkIDA9PT1zJiYocz10aSgiX2ZhbGxiYWNrIix0KSk7Y29uc3QgYT17W1N5bWJvbC50b1N0cmluZ1RhZ106Ik9iamVjdCIsX2NhY2hlYWJsZTohMCxfc2NvcGVzOnQsX3Jvb3RTY29wZXM6byxfZmFsbGJhY2s6cyxfZ2V0VGFyZ2V0Om4sb3ZlcnJpZGU6aT0+amUoW2ksLi4udF0sZSxvLHMpfTtyZXR1cm4gbmV3IFByb3h5KGEse2RlbGV0ZVByb3BlcnR5OihlLGkpPT4oZGVsZXRlIGVbaV0sZGVsZXRlIGUuX2tleXMsZGVsZXRlIHRbMF1baV0sITApLGdldDooaSxzKT0+cWUoaSxzLCgoKT0+ZnVuY3Rpb24odCxlLGkscyl7bGV0IG47Zm9yKGNvbnN0IG8gb2YgZSlpZihuPXRpKFVlKG8sdCksaSksdm9pZCAwIT09bilyZXR1cm4gWGUodCxuKT9aZShpLHMsdCxuKTpufShzLGUsdCxpKSkpLGdldE93blByb3BlcnR5RGVzY3JpcHRvcjoodCxlKT0+UmVmbGVjdC5nZXRPd25Qcm9wZXJ0eURlc2NyaXB0b3IodC5fc2NvcGVzWzBdLGUpLGdldFByb3RvdHlwZU9mOigpPT5SZWZsZWN0LmdldFByb3RvdHlwZU9mKHRbMF0pLGhhczoodCxlKT0+ZWkodCkuaW5jbHVkZXMoZSksb3duS2V5czp0PT5laSh0KSxzZXQodCxlLGkpe2NvbnN0IHM9dC5fc3RvcmFnZXx8KHQuX3N0b3JhZ2U9bigpKTtyZXR1cm4gdFtlXT1zW2VdPWksZGVsZXRlIHQuX2tleXMsITB9fSl9ZnVuY3Rpb24gJGUodCxlLGkscyl7Y29uc3QgYT17X2NhY2hlYWJsZTohMSxfcHJveHk6dCxfY29udGV4dDplLF9zdWJQcm94eTppLF9zdGFjazpuZXcgU2V0LF9kZXNjcmlwdG9yczpZZSh0LHMpLHNldENvbnRleHQ6ZT0+JGUodCxlLGkscyksb3ZlcnJpZGU6bj0+JGUodC5vdmVycmlkZShuKSxlLGkscyl9O3JldHVybiBuZXcgUHJveHkoYSx7ZGVsZXRlUHJvcGVydHk6KGUsaSk9PihkZWxldGUgZVtpXSxkZWxldGUgdFtpXSwhMCksZ2V0Oih0LGUsaSk9PnFlKHQsZSwoKCk9PmZ1bmN0aW9uKHQsZSxpKXtjb25zdHtfcHJveHk6cyxfY29udGV4dDphLF9zdWJQcm94eTpyLF9kZXNjcmlwdG9yczpsfT10O2xldCBoPXNbZV07UyhoKSYmbC5pc1NjcmlwdGFibGUoZSkmJihoPWZ1bmN0aW9uKHQsZSxpLHMpe2NvbnN0e19wcm94eTpuLF9jb250ZXh0Om8sX3N1YlByb3h5OmEsX3N0YWNrOnJ9PWk7aWYoci5oYXModCkpdGhyb3cgbmV3IEVycm9yKCJSZWN1cnNpb24gZGV0ZWN0ZWQ6ICIrQXJyYXkuZnJvbShyKS5qb2luKCItPiIpKyItPiIrdCk7ci5hZGQodCk7bGV0IGw9ZShvLGF8fHMpO3IuZGVsZXRlKHQpLFhlKHQsbCkmJihsPVplKG4uX3Njb3BlcyxuLHQsbCkpO3JldHVybiBsfShlLGgsdCxpKSk7bihoKSYmaC5sZW5ndGgmJihoPWZ1bmN0aW9uKHQsZSxpLHMpe2NvbnN0e19wcm94eTpuLF9jb250ZXh0OmEsX3N1YlByb3h5OnIsX2Rlc2NyaXB0b3JzOmx9PWk7aWYodm9pZCAwIT09YS5pbmRleCYmcyh0KSlyZXR1cm4gZVthLmluZGV4JWUubGVuZ3RoXTtpZihvKGVbMF0pKXtjb25zdCBpPWUscz1uLl9zY29wZXMuZmlsdGVyKCh0PT50IT09aSkpO2U9W107Zm9yKGNvbnN0IG8gb2YgaSl7Y29uc3QgaT1aZShzLG4sdCxvKTtlLnB1c2goJGUoaSxhLHImJnJbdF0sbCkpfX1yZXR1cm4gZX0oZSxoLHQsbC5pc0luZGV4YWJsZSkpO1hlKGUsaCkmJihoPSRlKGgsYSxyJiZyW2VdLGwpKTtyZXR1cm4gaH0odCxlLGkpKSksZ2V0T3duUHJvcGVydHlEZXNjcmlwdG9yOihlLGkpPT5lLl9kZXNjcmlwdG9ycy5hbGxLZXlzP1JlZmxlY3QuaGFzKHQsaSk/e2VudW1lcmFibGU6ITAsY29uZmlndXJhYmxlOiEwfTp2b2lkIDA6UmVmbGVjdC5nZXRPd25Qcm9wZXJ0eURlc2NyaXB0b3IodCxpKSxnZXRQcm90b3R5cGVPZjooKT0+UmVmbGVjdC5nZXRQcm90b3R5cGVPZih0KSxoYXM6KGUsaSk9PlJlZmxlY3QuaGFzKHQsaSksb3duS2V5czooKT0+UmVmbGVjdC5vd25LZXlzKHQpLHNldDooZSxpLHMpPT4odFtpXT1zLGRlbGV0ZSBlW2ldLCEwKX0pfWZ1bmN0aW9uIFllKHQsZT17c2NyaXB0YWJsZTohMCxpbmRleGFibGU6ITB9KXtjb25zdHtfc2NyaXB0YWJsZTppPWUuc2NyaXB0YWJsZSxfaW5kZXhhYmxlOnM9ZS5pbmRleGFibGUsX2FsbEtleXM6bj1lLmFsbEtleXN9PXQ7cmV0dXJue2FsbEtleXM6bixzY3JpcHRhYmxlOmksaW5kZXhhYmxlOnMsaXNTY3JpcHRhYmxlOlMoaSk/aTooKT0+aSxpc0luZGV4YWJsZTpTKHMpP3M6KCk9PnN9fWNvbnN0IFVlPSh0LGUpPT50P3QrdyhlKTplLFhlPSh0LGUpPT5vKGUpJiYiYWRhcHRlcnMiIT09dCYmKG51bGw9PT1PYmplY3QuZ2V0UHJvdG90eXBlT2YoZSl8fGUuY29uc3RydWN0b3I9PT1PYmplY3QpO2Z1bmN0aW9uIHFlKHQsZSxpKXtpZihPYmplY3QucHJvdG90eXBlLmhhc093blByb3BlcnR5LmNhbGwodCxlKXx8ImNvbnN0cnVjdG9yIj09PWUpcmV0dXJuIHRbZV07Y29uc3Qgcz1pKCk7cmV0dXJuIHRbZV09cyxzfWZ1bmN0aW9uIEtlKHQsZSxpKXtyZXR1cm4gUyh0KT90KGUsaSk6dH1jb25zdCBHZT0odCxlKT0+ITA9PT10P2U6InN0cmluZyI9PXR5cGVvZiB0P00oZSx0KTp2b2lkIDA7ZnVuY3Rpb24gSmUodCxlLGkscyxuKXtmb3IoY29uc3QgbyBvZiBlKXtjb25zdCBlPUdlKGksbyk7aWYoZSl7dC5hZGQoZSk7Y29uc3Qgbz1LZShlLl9mYWxsYmFjayxpLG4pO2lmKHZvaWQgMCE9PW8mJm8hPT1pJiZvIT09cylyZXR1cm4gb31lbHNlIGlmKCExPT09ZSYmdm9pZCAwIT09cyYmaSE9PXMpcmV0dXJuIG51bGx9cmV0dXJuITF9ZnVuY3Rpb24gWmUodCxlLGkscyl7Y29uc3QgYT1lLl9yb290U2NvcGVzLHI9S2UoZS5fZmFsbGJhY2ssaSxzKSxsPVsuLi50LC4uLmFdLGg9bmV3IFNldDtoLmFkZChzKTtsZXQgYz1RZShoLGwsaSxyfHxpLHMpO3JldHVybiBudWxsIT09YyYmKCh2b2lkIDA9PT1yfHxyPT09aXx8KGM9UWUoaCxsLHIsYyxzKSxudWxsIT09YykpJiZqZShBcnJheS5mcm9tKGgpLFsiIl0sYSxyLCgoKT0+ZnVuY3Rpb24odCxlLGkpe2NvbnN0IHM9dC5fZ2V0VGFyZ2V0KCk7ZSBpbiBzfHwoc1tlXT17fSk7Y29uc3QgYT1zW2VdO2lmKG4oYSkmJm8oaSkpcmV0dXJuIGk7cmV0dXJuIGF8fHt9fShlLGkscykpKSl9ZnVuY3Rpb24gUWUodCxlLGkscyxuKXtmb3IoO2k7KWk9SmUodCxlLGkscyxuKTtyZXR1cm4gaX1mdW5jdGlvbiB0aSh0LGUpe2Zvcihjb25zdCBpIG9mIGUpe2lmKCFpKWNvbnRpbnVlO2NvbnN0IGU9aVt0XTtpZih2b2lkIDAhPT1lKXJldHVybiBlfX1mdW5jdGlvbiBlaSh0KXtsZXQgZT10Ll9rZXlzO3JldHVybiBlfHwoZT10Ll9rZXlzPWZ1bmN0aW9uKHQpe2NvbnN0IGU9bmV3IFNldDtmb3IoY29uc3QgaSBvZiB0KWZvcihjb25zdCB0IG9mIE9iamVjdC5rZXlzKGkpLmZpbHRlcigodD0+IXQuc3RhcnRzV2l0aCgiXyIpKSkpZS5hZGQodCk7cmV0dXJuIEFycmF5LmZyb20oZSl9KHQuX3Njb3BlcykpLGV9ZnVuY3Rpb24gaWkodCxlLGkscyl7Y29uc3R7aVNjYWxlOm59PXQse2tleTpvPSJyIn09dGhpcy5fcGFyc2luZyxhPW5ldyBBcnJheShzKTtsZXQgcixsLGgsYztmb3Iocj0wLGw9cztyPGw7KytyKWg9citpLGM9ZVtoXSxhW3JdPXtyOm4ucGFyc2UoTShjLG8pLGgpfTtyZXR1cm4gYX1jb25zdCBzaT1OdW1iZXIuRVBTSUxPTnx8MWUtMTQsbmk9KHQsZSk9PmU8dC5sZW5ndGgmJiF0W2VdLnNraXAmJnRbZV0sb2k9dD0+IngiPT09dD8ieSI6IngiO2Z1bmN0aW9uIGFpKHQsZSxpLHMpe2NvbnN0IG49dC5za2lwP2U6dCxvPWUsYT1pLnNraXA/ZTppLHI9cShvLG4pLGw9cShhLG8pO2xldCBoPXIvKHIrbCksYz1sLyhyK2wpO2g9aXNOYU4oaCk/MDpoLGM9aXNOYU4oYyk/MDpjO2NvbnN0IGQ9cypoLHU9cypjO3JldHVybntwcmV2aW91czp7eDpvLngtZCooYS54LW4ueCkseTpvLnktZCooYS55LW4ueSl9LG5leHQ6e3g6by54K3UqKGEueC1uLngpLHk6by55K3UqKGEueS1uLnkpfX19ZnVuY3Rpb24gcmkodCxlPSJ4Iil7Y29uc3QgaT1vaShlKSxzPXQubGVuZ3RoLG49QXJyYXkocykuZmlsbCgwKSxvPUFycmF5KHMpO2xldCBhLHIsbCxoPW5pKHQsMCk7Zm9yKGE9MDthPHM7KythKWlmKHI9bCxsPWgsaD1uaSh0LGErMSksbCl7aWYoaCl7Y29uc3QgdD1oW2VdLWxbZV07blthXT0wIT09dD8oaFtpXS1sW2ldKS90OjB9b1thXT1yP2g/RihuW2EtMV0pIT09RihuW2FdKT8wOihuW2EtMV0rblthXSkvMjpuW2EtMV06blthXX0hZnVuY3Rpb24odCxlLGkpe2NvbnN0IHM9dC5sZW5ndGg7bGV0IG4sbyxhLHIsbCxoPW5pKHQsMCk7Zm9yKGxldCBjPTA7YzxzLTE7KytjKWw9aCxoPW5pKHQsYysxKSxsJiZoJiYoVihlW2NdLDAsc2kpP2lbY109aVtjKzFdPTA6KG49aVtjXS9lW2NdLG89aVtjKzFdL2VbY10scj1NYXRoLnBvdyhuLDIpK01hdGgucG93KG8sMikscjw9OXx8KGE9My9NYXRoLnNxcnQociksaVtjXT1uKmEqZVtjXSxpW2MrMV09byphKmVbY10pKSl9KHQsbixvKSxmdW5jdGlvbih0LGUsaT0ieCIpe2NvbnN0IHM9b2koaSksbj10Lmxlbmd0aDtsZXQgbyxhLHIsbD1uaSh0LDApO2ZvcihsZXQgaD0wO2g8bjsrK2gpe2lmKGE9cixyPWwsbD1uaSh0LGgrMSksIXIpY29udGludWU7Y29uc3Qgbj1yW2ldLGM9cltzXTthJiYobz0obi1hW2ldKS8zLHJbYGNwMSR7aX1gXT1uLW8scltgY3AxJHtzfWBdPWMtbyplW2hdKSxsJiYobz0obFtpXS1uKS8zLHJbYGNwMiR7aX1gXT1uK28scltgY3AyJHtzfWBdPWMrbyplW2hdKX19KHQsbyxlKX1mdW5jdGlvbiBsaSh0LGUsaSl7cmV0dXJuIE1hdGgubWF4KE1hdGgubWluKHQsaSksZSl9ZnVuY3Rpb24gaGkodCxlLGkscyxuKXtsZXQgbyxhLHIsbDtpZihlLnNwYW5HYXBzJiYodD10LmZpbHRlcigodD0+IXQuc2tpcCkpKSwibW9ub3RvbmUiPT09ZS5jdWJpY0ludGVycG9sYXRpb25Nb2RlKXJpKHQsbik7ZWxzZXtsZXQgaT1zP3RbdC5sZW5ndGgtMV06dFswXTtmb3Iobz0wLGE9dC5sZW5ndGg7bzxhOysrbylyPXRbb10sbD1haShpLHIsdFtNYXRoLm1pbihvKzEsYS0ocz8wOjEpKSVhXSxlLnRlbnNpb24pLHIuY3AxeD1sLnByZXZpb3VzLngsci5jcDF5PWwucHJldmlvdXMueSxyLmNwMng9bC5uZXh0Lngsci5jcDJ5PWwubmV4dC55LGk9cn1lLmNhcEJlemllclBvaW50cyYmZnVuY3Rpb24odCxlKXtsZXQgaSxzLG4sbyxhLHI9UmUodFswXSxlKTtmb3IoaT0wLHM9dC5sZW5ndGg7aTxzOysraSlhPW8sbz1yLHI9aTxzLTEmJlJlKHRbaSsxXSxlKSxvJiYobj10W2ldLGEmJihuLmNwMXg9bGkobi5jcDF4LGUubGVmdCxlLnJpZ2h0KSxuLmNwMXk9bGkobi5jcDF5LGUudG9wLGUuYm90dG9tKSksciYmKG4uY3AyeD1saShuLmNwMngsZS5sZWZ0LGUucmlnaHQpLG4uY3AyeT1saShuLmNwMnksZS50b3AsZS5ib3R0b20pKSl9KHQsaSl9Y29uc3QgY2k9dD0+MD09PXR8fDE9PT10LGRpPSh0LGUsaSk9Pi1NYXRoLnBvdygyLDEwKih0LT0xKSkqTWF0aC5zaW4oKHQtZSkqTy9pKSx1aT0odCxlLGkpPT5NYXRoLnBvdygyLC0xMCp0KSpNYXRoLnNpbigodC1lKSpPL2kpKzEsZmk9e2xpbmVhcjp0PT50LGVhc2VJblF1YWQ6dD0+dCp0LGVhc2VPdXRRdWFkOnQ9Pi10Kih0LTIpLGVhc2VJbk91dFF1YWQ6dD0+KHQvPS41KTwxPy41KnQqdDotLjUqKC0tdCoodC0yKS0xKSxlYXNlSW5DdWJpYzp0PT50KnQqdCxlYXNlT3V0Q3ViaWM6dD0+KHQtPTEpKnQqdCsxLGVhc2VJbk91dEN1YmljOnQ9Pih0Lz0uNSk8MT8uNSp0KnQqdDouNSooKHQtPTIpKnQqdCsyKSxlYXNlSW5RdWFydDp0PT50KnQqdCp0LGVhc2VPdXRRdWFydDp0PT4tKCh0LT0xKSp0KnQqdC0xKSxlYXNlSW5PdXRRdWFydDp0PT4odC89LjUpPDE/LjUqdCp0KnQqdDotLjUqKCh0LT0yKSp0KnQqdC0yKSxlYXNlSW5RdWludDp0PT50KnQqdCp0KnQsZWFzZU91dFF1aW50OnQ9Pih0LT0xKSp0KnQqdCp0KzEsZWFzZUluT3V0UXVpbnQ6dD0+KHQvPS41KTwxPy41KnQqdCp0KnQqdDouNSooKHQtPTIpKnQqdCp0KnQrMiksZWFzZUluU2luZTp0PT4xLU1hdGguY29zKHQqRSksZWFzZU91dFNpbmU6dD0+TWF0aC5zaW4odCpFKSxlYXNlSW5PdXRTaW5lOnQ9Pi0uNSooTWF0aC5jb3MoQyp0KS0xKSxlYXNlSW5FeHBvOnQ9PjA9PT10PzA6TWF0aC5wb3coMiwxMCoodC0xKSksZWFzZU91dEV4cG86dD0+MT09PXQ/MToxLU1hdGgucG93KDIsLTEwKnQpLGVhc2VJbk91dEV4cG86dD0+Y2kodCk/dDp0PC41Py41Kk1hdGgucG93KDIsMTAqKDIqdC0xKSk6LjUqKDItTWF0aC5wb3coMiwtMTAqKDIqdC0xKSkpLGVhc2VJbkNpcmM6dD0+dD49MT90Oi0oTWF0aC5zcXJ0KDEtdCp0KS0xKSxlYXNlT3V0Q2lyYzp0PT5NYXRoLnNxcnQoMS0odC09MSkqdCksZWFzZUluT3V0Q2lyYzp0PT4odC89LjUpPDE/LS41KihNYXRoLnNxcnQoMS10KnQpLTEpOi41KihNYXRoLnNxcnQoMS0odC09MikqdCkrMSksZWFzZUluRWxhc3RpYzp0PT5jaSh0KT90OmRpKHQsLjA3NSwuMyksZWFzZU91dEVsYXN0aWM6dD0+Y2kodCk/dDp1aSh0LC4wNzUsLjMpLGVhc2VJbk91dEVsYXN0aWModCl7Y29uc3QgZT0uMTEyNTtyZXR1cm4gY2kodCk/dDp0PC41Py41KmRpKDIqdCxlLC40NSk6LjUrLjUqdWkoMip0LTEsZSwuNDUpfSxlYXNlSW5CYWNrKHQpe2NvbnN0IGU9MS43MDE1ODtyZXR1cm4gdCp0KigoZSsxKSp0LWUpfSxlYXNlT3V0QmFjayh0KXtjb25zdCBlPTEuNzAxNTg7cmV0dXJuKHQtPTEpKnQqKChlKzEpKnQrZSkrMX0sZWFzZUluT3V0QmFjayh0KXtsZXQgZT0xLjcwMTU4O3JldHVybih0Lz0uNSk8MT90KnQqKCgxKyhlKj0xLjUyNSkpKnQtZSkqLjU6LjUqKCh0LT0yKSp0KigoMSsoZSo9MS41MjUpKSp0K2UpKzIpfSxlYXNlSW5Cb3VuY2U6dD0+MS1maS5lYXNlT3V0Qm91bmNlKDEtdCksZWFzZU91dEJvdW5jZSh0KXtjb25zdCBlPTcuNTYyNSxpPTIuNzU7cmV0dXJuIHQ8MS9pP2UqdCp0OnQ8Mi9pP2UqKHQtPTEuNS9pKSp0Ky43NTp0PDIuNS9pP2UqKHQtPTIuMjUvaSkqdCsuOTM3NTplKih0LT0yLjYyNS9pKSp0Ky45ODQzNzV9LGVhc2VJbk91dEJvdW5jZTp0PT50PC41Py41KmZpLmVhc2VJbkJvdW5jZSgyKnQpOi41KmZpLmVhc2VPdXRCb3VuY2UoMip0LTEpKy41fTtmdW5jdGlvbiBnaSh0LGUsaSxzKXtyZXR1cm57eDp0LngraSooZS54LXQueCkseTp0LnkraSooZS55LXQueSl9fWZ1bmN0aW9uIHBpKHQsZSxpLHMpe3JldHVybnt4OnQueCtpKihlLngtdC54KSx5OiJtaWRkbGUiPT09cz9pPC41P3QueTplLnk6ImFmdGVyIj09PXM/aTwxP3QueTplLnk6aT4wP2UueTp0Lnl9fWZ1bmN0aW9uIG1pKHQsZSxpLHMpe2NvbnN0IG49e3g6dC5jcDJ4LHk6dC5jcDJ5fSxvPXt4OmUuY3AxeCx5OmUuY3AxeX0sYT1naSh0LG4saSkscj1naShuLG8saSksbD1naShvLGUsaSksaD1naShhLHIsaSksYz1naShyLGwsaSk7cmV0dXJuIGdpKGgsYyxpKX1jb25zdCB4aT0vXihub3JtYWx8KFxkKyg/OlwuXGQrKT8pKHB4fGVtfCUpPykkLyxiaT0vXihub3JtYWx8aXRhbGljfGluaXRpYWx8aW5oZXJpdHx1bnNldHwob2JsaXF1ZSggLT9bMC05XT9bMC05XWRlZyk/KSkkLztmdW5jdGlvbiBfaSh0LGUpe2NvbnN0IGk9KCIiK3QpLm1hdGNoKHhpKTtpZighaXx8Im5vcm1hbCI9PT1pWzFdKXJldHVybiAxLjIqZTtzd2l0Y2godD0raVsyXSxpWzNdKXtjYXNlInB4IjpyZXR1cm4gdDtjYXNlIiUiOnQvPTEwMH1yZXR1cm4gZSp0fWNvbnN0IHlpPXQ9Pit0fHwwO2Z1bmN0aW9uIHZpKHQsZSl7Y29uc3QgaT17fSxzPW8oZSksbj1zP09iamVjdC5rZXlzKGUpOmUsYT1vKHQpP3M/aT0+bCh0W2ldLHRbZVtpXV0pOmU9PnRbZV06KCk9PnQ7Zm9yKGNvbnN0IHQgb2YgbilpW3RdPXlpKGEodCkpO3JldHVybiBpfWZ1bmN0aW9uIE1pKHQpe3JldHVybiB2aSh0LHt0b3A6InkiLHJpZ2h0OiJ4Iixib3R0b206InkiLGxlZnQ6IngifSl9ZnVuY3Rpb24gd2kodCl7cmV0dXJuIHZpKHQsWyJ0b3BMZWZ0IiwidG9wUmlnaHQiLCJib3R0b21MZWZ0IiwiYm90dG9tUmlnaHQiXSl9ZnVuY3Rpb24ga2kodCl7Y29uc3QgZT1NaSh0KTtyZXR1cm4gZS53aWR0aD1lLmxlZnQrZS5yaWdodCxlLmhlaWdodD1lLnRvcCtlLmJvdHRvbSxlfWZ1bmN0aW9uIFNpKHQsZSl7dD10fHx7fSxlPWV8fHVlLmZvbnQ7bGV0IGk9bCh0LnNpemUsZS5zaXplKTsic3RyaW5nIj09dHlwZW9mIGkmJihpPXBhcnNlSW50KGksMTApKTtsZXQgcz1sKHQuc3R5bGUsZS5zdHlsZSk7cyYmISgiIitzKS5tYXRjaChiaSkmJihjb25zb2xlLndhcm4oJ0ludmFsaWQgZm9udCBzdHlsZSBzcGVjaWZpZWQ6ICInK3MrJyInKSxzPXZvaWQgMCk7Y29uc3Qgbj17ZmFtaWx5OmwodC5mYW1pbHksZS5mYW1pbHkpLGxpbmVIZWlnaHQ6X2kobCh0LmxpbmVIZWlnaHQsZS5saW5lSGVpZ2h0KSxpKSxzaXplOmksc3R5bGU6cyx3ZWlnaHQ6bCh0LndlaWdodCxlLndlaWdodCksc3RyaW5nOiIifTtyZXR1cm4gbi5zdHJpbmc9RGUobiksbn1mdW5jdGlvbiBQaSh0LGUsaSxzKXtsZXQgbyxhLHIsbD0hMDtmb3Iobz0wLGE9dC5sZW5ndGg7bzxhOysrbylpZihyPXRbb10sdm9pZCAwIT09ciYmKHZvaWQgMCE9PWUmJiJmdW5jdGlvbiI9PXR5cGVvZiByJiYocj1yKGUpLGw9ITEpLHZvaWQgMCE9PWkmJm4ocikmJihyPXJbaSVyLmxlbmd0aF0sbD0hMSksdm9pZCAwIT09cikpcmV0dXJuIHMmJiFsJiYocy5jYWNoZWFibGU9ITEpLHJ9ZnVuY3Rpb24gRGkodCxlLGkpe2NvbnN0e21pbjpzLG1heDpufT10LG89YyhlLChuLXMpLzIpLGE9KHQsZSk9PmkmJjA9PT10PzA6dCtlO3JldHVybnttaW46YShzLC1NYXRoLmFicyhvKSksbWF4OmEobixvKX19ZnVuY3Rpb24gQ2kodCxlKXtyZXR1cm4gT2JqZWN0LmFzc2lnbihPYmplY3QuY3JlYXRlKHQpLGUpfWZ1bmN0aW9uIE9pKHQsZSxpKXtyZXR1cm4gdD9mdW5jdGlvbih0LGUpe3JldHVybnt4Omk9PnQrdCtlLWksc2V0V2lkdGgodCl7ZT10fSx0ZXh0QWxpZ246dD0+ImNlbnRlciI9PT10P3Q6InJpZ2h0Ij09PXQ/ImxlZnQiOiJyaWdodCIseFBsdXM6KHQsZSk9PnQtZSxsZWZ0Rm9yTHRyOih0LGUpPT50LWV9fShlLGkpOnt4OnQ9PnQsc2V0V2lkdGgodCl7fSx0ZXh0QWxpZ246dD0+dCx4UGx1czoodCxlKT0+dCtlLGxlZnRGb3JMdHI6KHQsZSk9PnR9fWZ1bmN0aW9uIEFpKHQsZSl7bGV0IGksczsibHRyIiE9PWUmJiJydGwiIT09ZXx8KGk9dC5jYW52YXMuc3R5bGUscz1baS5nZXRQcm9wZXJ0eVZhbHVlKCJkaXJlY3Rpb24iKSxpLmdldFByb3BlcnR5UHJpb3JpdHkoImRpcmVjdGlvbiIpXSxpLnNldFByb3BlcnR5KCJkaXJlY3Rpb24iLGUsImltcG9ydGFudCIpLHQucHJldlRleHREaXJlY3Rpb249cyl9ZnVuY3Rpb24gVGkodCxlKXt2b2lkIDAhPT1lJiYoZGVsZXRlIHQucHJldlRleHREaXJlY3Rpb24sdC5jYW52YXMuc3R5bGUuc2V0UHJvcGVydHkoImRpcmVjdGlvbiIsZVswXSxlWzFdKSl9ZnVuY3Rpb24gTGkodCl7cmV0dXJuImFuZ2xlIj09PXQ/e2JldHdlZW46Sixjb21wYXJlOkssbm9ybWFsaXplOkd9OntiZXR3ZWVuOnR0LGNvbXBhcmU6KHQsZSk9PnQtZSxub3JtYWxpemU6dD0+dH19ZnVuY3Rpb24gRWkoe3N0YXJ0OnQsZW5kOmUsY291bnQ6aSxsb29wOnMsc3R5bGU6bn0pe3JldHVybntzdGFydDp0JWksZW5kOmUlaSxsb29wOnMmJihlLXQrMSklaT09MCxzdHlsZTpufX1mdW5jdGlvbiBSaSh0LGUsaSl7aWYoIWkpcmV0dXJuW3RdO2NvbnN0e3Byb3BlcnR5OnMsc3RhcnQ6bixlbmQ6b309aSxhPWUubGVuZ3RoLHtjb21wYXJlOnIsYmV0d2VlbjpsLG5vcm1hbGl6ZTpofT1MaShzKSx7c3RhcnQ6YyxlbmQ6ZCxsb29wOnUsc3R5bGU6Zn09ZnVuY3Rpb24odCxlLGkpe2NvbnN0e3Byb3BlcnR5OnMsc3RhcnQ6bixlbmQ6b309aSx7YmV0d2VlbjphLG5vcm1hbGl6ZTpyfT1MaShzKSxsPWUubGVuZ3RoO2xldCBoLGMse3N0YXJ0OmQsZW5kOnUsbG9vcDpmfT10O2lmKGYpe2ZvcihkKz1sLHUrPWwsaD0wLGM9bDtoPGMmJmEocihlW2QlbF1bc10pLG4sbyk7KytoKWQtLSx1LS07ZCU9bCx1JT1sfXJldHVybiB1PGQmJih1Kz1sKSx7c3RhcnQ6ZCxlbmQ6dSxsb29wOmYsc3R5bGU6dC5zdHlsZX19KHQsZSxpKSxnPVtdO2xldCBwLG0seCxiPSExLF89bnVsbDtjb25zdCB5PSgpPT5ifHxsKG4seCxwKSYmMCE9PXIobix4KSx2PSgpPT4hYnx8MD09PXIobyxwKXx8bChvLHgscCk7Zm9yKGxldCB0PWMsaT1jO3Q8PWQ7Kyt0KW09ZVt0JWFdLG0uc2tpcHx8KHA9aChtW3NdKSxwIT09eCYmKGI9bChwLG4sbyksbnVsbD09PV8mJnkoKSYmKF89MD09PXIocCxuKT90OmkpLG51bGwhPT1fJiZ2KCkmJihnLnB1c2goRWkoe3N0YXJ0Ol8sZW5kOnQsbG9vcDp1LGNvdW50OmEsc3R5bGU6Zn0pKSxfPW51bGwpLGk9dCx4PXApKTtyZXR1cm4gbnVsbCE9PV8mJmcucHVzaChFaSh7c3RhcnQ6XyxlbmQ6ZCxsb29wOnUsY291bnQ6YSxzdHlsZTpmfSkpLGd9ZnVuY3Rpb24gSWkodCxlKXtjb25zdCBpPVtdLHM9dC5zZWdtZW50cztmb3IobGV0IG49MDtuPHMubGVuZ3RoO24rKyl7Y29uc3Qgbz1SaShzW25dLHQucG9pbnRzLGUpO28ubGVuZ3RoJiZpLnB1c2goLi4ubyl9cmV0dXJuIGl9ZnVuY3Rpb24gemkodCxlKXtjb25zdCBpPXQucG9pbnRzLHM9dC5vcHRpb25zLnNwYW5HYXBzLG49aS5sZW5ndGg7aWYoIW4pcmV0dXJuW107Y29uc3Qgbz0hIXQuX2xvb3Ase3N0YXJ0OmEsZW5kOnJ9PWZ1bmN0aW9uKHQsZSxpLHMpe2xldCBuPTAsbz1lLTE7aWYoaSYmIXMpZm9yKDtuPGUmJiF0W25dLnNraXA7KW4rKztmb3IoO248ZSYmdFtuXS5za2lwOyluKys7Zm9yKG4lPWUsaSYmKG8rPW4pO28+biYmdFtvJWVdLnNraXA7KW8tLTtyZXR1cm4gbyU9ZSx7c3RhcnQ6bixlbmQ6b319KGksbixvLHMpO2lmKCEwPT09cylyZXR1cm4gRmkodCxbe3N0YXJ0OmEsZW5kOnIsbG9vcDpvfV0saSxlKTtyZXR1cm4gRmkodCxmdW5jdGlvbih0LGUsaSxzKXtjb25zdCBuPXQubGVuZ3RoLG89W107bGV0IGEscj1lLGw9dFtlXTtmb3IoYT1lKzE7YTw9aTsrK2Epe2NvbnN0IGk9dFthJW5dO2kuc2tpcHx8aS5zdG9wP2wuc2tpcHx8KHM9ITEsby5wdXNoKHtzdGFydDplJW4sZW5kOihhLTEpJW4sbG9vcDpzfSksZT1yPWkuc3RvcD9hOm51bGwpOihyPWEsbC5za2lwJiYoZT1hKSksbD1pfXJldHVybiBudWxsIT09ciYmby5wdXNoKHtzdGFydDplJW4sZW5kOnIlbixsb29wOnN9KSxvfShpLGEscjxhP3IrbjpyLCEhdC5fZnVsbExvb3AmJjA9PT1hJiZyPT09bi0xKSxpLGUpfWZ1bmN0aW9uIEZpKHQsZSxpLHMpe3JldHVybiBzJiZzLnNldENvbnRleHQmJmk/ZnVuY3Rpb24odCxlLGkscyl7Y29uc3Qgbj10Ll9jaGFydC5nZXRDb250ZXh0KCksbz1WaSh0Lm9wdGlvbnMpLHtfZGF0YXNldEluZGV4OmEsb3B0aW9uczp7c3BhbkdhcHM6cn19PXQsbD1pLmxlbmd0aCxoPVtdO2xldCBjPW8sZD1lWzBdLnN0YXJ0LHU9ZDtmdW5jdGlvbiBmKHQsZSxzLG4pe2NvbnN0IG89cj8tMToxO2lmKHQhPT1lKXtmb3IodCs9bDtpW3QlbF0uc2tpcDspdC09bztmb3IoO2lbZSVsXS5za2lwOyllKz1vO3QlbCE9ZSVsJiYoaC5wdXNoKHtzdGFydDp0JWwsZW5kOmUlbCxsb29wOnMsc3R5bGU6bn0pLGM9bixkPWUlbCl9fWZvcihjb25zdCB0IG9mIGUpe2Q9cj9kOnQuc3RhcnQ7bGV0IGUsbz1pW2QlbF07Zm9yKHU9ZCsxO3U8PXQuZW5kO3UrKyl7Y29uc3Qgcj1pW3UlbF07ZT1WaShzLnNldENvbnRleHQoQ2kobix7dHlwZToic2VnbWVudCIscDA6byxwMTpyLHAwRGF0YUluZGV4Oih1LTEpJWwscDFEYXRhSW5kZXg6dSVsLGRhdGFzZXRJbmRleDphfSkpKSxCaShlLGMpJiZmKGQsdS0xLHQubG9vcCxjKSxvPXIsYz1lfWQ8dS0xJiZmKGQsdS0xLHQubG9vcCxjKX1yZXR1cm4gaH0odCxlLGkscyk6ZX1mdW5jdGlvbiBWaSh0KXtyZXR1cm57YmFja2dyb3VuZENvbG9yOnQuYmFja2dyb3VuZENvbG9yLGJvcmRlckNhcFN0eWxlOnQuYm9yZGVyQ2FwU3R5bGUsYm9yZGVyRGFzaDp0LmJvcmRlckRhc2gsYm9yZGVyRGFzaE9mZnNldDp0LmJvcmRlckRhc2hPZmZzZXQsYm9yZGVySm9pblN0eWxlOnQuYm9yZGVySm9pblN0eWxlLGJvcmRlcldpZHRoOnQuYm9yZGVyV2lkdGgsYm9yZGVyQ29sb3I6dC5ib3JkZXJDb2xvcn19ZnVuY3Rpb24gQmkodCxlKXtpZighZSlyZXR1cm4hMTtjb25zdCBpPVtdLHM9ZnVuY3Rpb24odCxlKXtyZXR1cm4gWnQoZSk/KGkuaW5jbHVkZXMoZSl8fGkucHVzaChlKSxpLmluZGV4T2YoZSkpOmV9O3JldHVybiBKU09OLnN0cmluZ2lmeSh0LHMpIT09SlNPTi5zdHJpbmdpZnkoZSxzKX1mdW5jdGlvbiBOaSh0LGUsaSl7cmV0dXJuIHQub3B0aW9ucy5jbGlwP3RbaV06ZVtpXX1mdW5jdGlvbiBXaSh0LGUpe2NvbnN0IGk9ZS5fY2xpcDtpZihpLmRpc2FibGVkKXJldHVybiExO2NvbnN0IHM9ZnVuY3Rpb24odCxlKXtjb25zdHt4U2NhbGU6aSx5U2NhbGU6c309dDtyZXR1cm4gaSYmcz97bGVmdDpOaShpLGUsImxlZnQiKSxyaWdodDpOaShpLGUsInJpZ2h0IiksdG9wOk5pKHMsZSwidG9wIiksYm90dG9tOk5pKHMsZSwiYm90dG9tIil9OmV9KGUsdC5jaGFydEFyZWEpO3JldHVybntsZWZ0OiExPT09aS5sZWZ0PzA6cy5sZWZ0LSghMD09PWkubGVmdD8wOmkubGVmdCkscmlnaHQ6ITE9PT1pLnJpZ2h0P3Qud2lkdGg6cy5yaWdodCsoITA9PT1pLnJpZ2h0PzA6aS5yaWdodCksdG9wOiExPT09aS50b3A/MDpzLnRvcC0oITA9PT1pLnRvcD8wOmkudG9wKSxib3R0b206ITE9PT1pLmJvdHRvbT90LmhlaWdodDpzLmJvdHRvbSsoITA9PT1pLmJvdHRvbT8wOmkuYm90dG9tKX19dmFyIEhpPU9iamVjdC5mcmVlemUoe19fcHJvdG9fXzpudWxsLEhBTEZfUEk6RSxJTkZJTklUWTpULFBJOkMsUElUQVU6QSxRVUFSVEVSX1BJOlIsUkFEX1BFUl9ERUc6TCxUQVU6TyxUV09fVEhJUkRTX1BJOkksX2FkZEdyYWNlOkRpLF9hbGlnblBpeGVsOkFlLF9hbGlnblN0YXJ0RW5kOmZ0LF9hbmdsZUJldHdlZW46SixfYW5nbGVEaWZmOkssX2FycmF5VW5pcXVlOmx0LF9hdHRhY2hDb250ZXh0OiRlLF9iZXppZXJDdXJ2ZVRvOlZlLF9iZXppZXJJbnRlcnBvbGF0aW9uOm1pLF9ib3VuZFNlZ21lbnQ6UmksX2JvdW5kU2VnbWVudHM6SWksX2NhcGl0YWxpemU6dyxfY29tcHV0ZVNlZ21lbnRzOnppLF9jcmVhdGVSZXNvbHZlcjpqZSxfZGVjaW1hbFBsYWNlczpVLF9kZXByZWNhdGVkOmZ1bmN0aW9uKHQsZSxpLHMpe3ZvaWQgMCE9PWUmJmNvbnNvbGUud2Fybih0Kyc6ICInK2krJyIgaXMgZGVwcmVjYXRlZC4gUGxlYXNlIHVzZSAiJytzKyciIGluc3RlYWQnKX0sX2Rlc2NyaXB0b3JzOlllLF9lbGVtZW50c0VxdWFsOmYsX2ZhY3Rvcml6ZTpOLF9maWx0ZXJCZXR3ZWVuOm50LF9nZXRQYXJlbnROb2RlOmdlLF9nZXRTdGFydEFuZENvdW50T2ZWaXNpYmxlUG9pbnRzOnB0LF9pbnQxNlJhbmdlOlEsX2lzQmV0d2Vlbjp0dCxfaXNDbGlja0V2ZW50OkQsX2lzRG9tU3VwcG9ydGVkOmZlLF9pc1BvaW50SW5BcmVhOlJlLF9saW1pdFZhbHVlOlosX2xvbmdlc3RUZXh0Ok9lLF9sb29rdXA6ZXQsX2xvb2t1cEJ5S2V5Oml0LF9tZWFzdXJlVGV4dDpDZSxfbWVyZ2VyOm0sX21lcmdlcklmOl8sX25vcm1hbGl6ZUFuZ2xlOkcsX3BhcnNlT2JqZWN0RGF0YVJhZGlhbFNjYWxlOmlpLF9wb2ludEluTGluZTpnaSxfcmVhZFZhbHVlVG9Qcm9wczp2aSxfcmxvb2t1cEJ5S2V5OnN0LF9zY2FsZVJhbmdlc0NoYW5nZWQ6bXQsX3NldE1pbkFuZE1heEJ5S2V5OmosX3NwbGl0S2V5OnYsX3N0ZXBwZWRJbnRlcnBvbGF0aW9uOnBpLF9zdGVwcGVkTGluZVRvOkZlLF90ZXh0WDpndCxfdG9MZWZ0UmlnaHRDZW50ZXI6dXQsX3VwZGF0ZUJlemllckNvbnRyb2xQb2ludHM6aGksYWRkUm91bmRlZFJlY3RQYXRoOkhlLGFsbW9zdEVxdWFsczpWLGFsbW9zdFdob2xlOkgsY2FsbGJhY2s6ZCxjbGVhckNhbnZhczpUZSxjbGlwQXJlYTpJZSxjbG9uZTpnLGNvbG9yOlF0LGNyZWF0ZUNvbnRleHQ6Q2ksZGVib3VuY2U6ZHQsZGVmaW5lZDprLGRpc3RhbmNlQmV0d2VlblBvaW50czpxLGRyYXdQb2ludDpMZSxkcmF3UG9pbnRMZWdlbmQ6RWUsZWFjaDp1LGVhc2luZ0VmZmVjdHM6ZmksZmluaXRlT3JEZWZhdWx0OnIsZm9udFN0cmluZzpmdW5jdGlvbih0LGUsaSl7cmV0dXJuIGUrIiAiK3QrInB4ICIraX0sZm9ybWF0TnVtYmVyOm5lLGdldEFuZ2xlRnJvbVBvaW50OlgsZ2V0RGF0YXNldENsaXBBcmVhOldpLGdldEhvdmVyQ29sb3I6dGUsZ2V0TWF4aW11bVNpemU6d2UsZ2V0UmVsYXRpdmVQb3NpdGlvbjp2ZSxnZXRSdGxBZGFwdGVyOk9pLGdldFN0eWxlOnhlLGlzQXJyYXk6bixpc0Zpbml0ZTphLGlzRnVuY3Rpb246Uyxpc051bGxPclVuZGVmOnMsaXNOdW1iZXI6Vyxpc09iamVjdDpvLGlzUGF0dGVybk9yR3JhZGllbnQ6WnQsbGlzdGVuQXJyYXlFdmVudHM6YXQsbG9nMTA6eixtZXJnZTp4LG1lcmdlSWY6YixuaWNlTnVtOkIsbm9vcDplLG92ZXJyaWRlVGV4dERpcmVjdGlvbjpBaSxyZWFkVXNlZFNpemU6UGUscmVuZGVyVGV4dDpXZSxyZXF1ZXN0QW5pbUZyYW1lOmh0LHJlc29sdmU6UGkscmVzb2x2ZU9iamVjdEtleTpNLHJlc3RvcmVUZXh0RGlyZWN0aW9uOlRpLHJldGluYVNjYWxlOmtlLHNldHNFcXVhbDpQLHNpZ246RixzcGxpbmVDdXJ2ZTphaSxzcGxpbmVDdXJ2ZU1vbm90b25lOnJpLHN1cHBvcnRzRXZlbnRMaXN0ZW5lck9wdGlvbnM6U2UsdGhyb3R0bGVkOmN0LHRvRGVncmVlczpZLHRvRGltZW5zaW9uOmMsdG9Gb250OlNpLHRvRm9udFN0cmluZzpEZSx0b0xpbmVIZWlnaHQ6X2ksdG9QYWRkaW5nOmtpLHRvUGVyY2VudGFnZTpoLHRvUmFkaWFuczokLHRvVFJCTDpNaSx0b1RSQkxDb3JuZXJzOndpLHVpZDppLHVuY2xpcEFyZWE6emUsdW5saXN0ZW5BcnJheUV2ZW50czpydCx2YWx1ZU9yRGVmYXVsdDpsfSk7ZnVuY3Rpb24gamkodCxlLGksbil7Y29uc3R7Y29udHJvbGxlcjpvLGRhdGE6YSxfc29ydGVkOnJ9PXQsbD1vLl9jYWNoZWRNZXRhLmlTY2FsZSxoPXQuZGF0YXNldCYmdC5kYXRhc2V0Lm9wdGlvbnM/dC5kYXRhc2V0Lm9wdGlvbnMuc3BhbkdhcHM6bnVsbDtpZihsJiZlPT09bC5heGlzJiYiciIhPT1lJiZyJiZhLmxlbmd0aCl7Y29uc3Qgcj1sLl9yZXZlcnNlUGl4ZWxzP3N0Oml0O2lmKCFuKXtjb25zdCBuPXIoYSxlLGkpO2lmKGgpe2NvbnN0e3ZTY2FsZTplfT1vLl9jYWNoZWRNZXRhLHtfcGFyc2VkOml9PXQsYT1pLnNsaWNlKDAsbi5sbysxKS5yZXZlcnNlKCkuZmluZEluZGV4KCh0PT4hcyh0W2UuYXhpc10pKSk7bi5sby09TWF0aC5tYXgoMCxhKTtjb25zdCByPWkuc2xpY2Uobi5oaSkuZmluZEluZGV4KCh0PT4hcyh0W2UuYXhpc10pKSk7bi5oaSs9TWF0aC5tYXgoMCxyKX1yZXR1cm4gbn1pZihvLl9zaGFyZWRPcHRpb25zKXtjb25zdCB0PWFbMF0scz0iZnVuY3Rpb24iPT10eXBlb2YgdC5nZXRSYW5nZSYmdC5nZXRSYW5nZShlKTtpZihzKXtjb25zdCB0PXIoYSxlLGktcyksbj1yKGEsZSxpK3MpO3JldHVybntsbzp0LmxvLGhpOm4uaGl9fX19cmV0dXJue2xvOjAsaGk6YS5sZW5ndGgtMX19ZnVuY3Rpb24gJGkodCxlLGkscyxuKXtjb25zdCBvPXQuZ2V0U29ydGVkVmlzaWJsZURhdGFzZXRNZXRhcygpLGE9aVtlXTtmb3IobGV0IHQ9MCxpPW8ubGVuZ3RoO3Q8aTsrK3Qpe2NvbnN0e2luZGV4OmksZGF0YTpyfT1vW3RdLHtsbzpsLGhpOmh9PWppKG9bdF0sZSxhLG4pO2ZvcihsZXQgdD1sO3Q8PWg7Kyt0KXtjb25zdCBlPXJbdF07ZS5za2lwfHxzKGUsaSx0KX19fWZ1bmN0aW9uIFlpKHQsZSxpLHMsbil7Y29uc3Qgbz1bXTtpZighbiYmIXQuaXNQb2ludEluQXJlYShlKSlyZXR1cm4gbztyZXR1cm4gJGkodCxpLGUsKGZ1bmN0aW9uKGksYSxyKXsobnx8UmUoaSx0LmNoYXJ0QXJlYSwwKSkmJmkuaW5SYW5nZShlLngsZS55LHMpJiZvLnB1c2goe2VsZW1lbnQ6aSxkYXRhc2V0SW5kZXg6YSxpbmRleDpyfSl9KSwhMCksb31mdW5jdGlvbiBVaSh0LGUsaSxzLG4sbyl7bGV0IGE9W107Y29uc3Qgcj1mdW5jdGlvbih0KXtjb25zdCBlPS0xIT09dC5pbmRleE9mKCJ4IiksaT0tMSE9PXQuaW5kZXhPZigieSIpO3JldHVybiBmdW5jdGlvbih0LHMpe2NvbnN0IG49ZT9NYXRoLmFicyh0Lngtcy54KTowLG89aT9NYXRoLmFicyh0Lnktcy55KTowO3JldHVybiBNYXRoLnNxcnQoTWF0aC5wb3cobiwyKStNYXRoLnBvdyhvLDIpKX19KGkpO2xldCBsPU51bWJlci5QT1NJVElWRV9JTkZJTklUWTtyZXR1cm4gJGkodCxpLGUsKGZ1bmN0aW9uKGksaCxjKXtjb25zdCBkPWkuaW5SYW5nZShlLngsZS55LG4pO2lmKHMmJiFkKXJldHVybjtjb25zdCB1PWkuZ2V0Q2VudGVyUG9pbnQobik7aWYoISghIW98fHQuaXNQb2ludEluQXJlYSh1KSkmJiFkKXJldHVybjtjb25zdCBmPXIoZSx1KTtmPGw/KGE9W3tlbGVtZW50OmksZGF0YXNldEluZGV4OmgsaW5kZXg6Y31dLGw9Zik6Zj09PWwmJmEucHVzaCh7ZWxlbWVudDppLGRhdGFzZXRJbmRleDpoLGluZGV4OmN9KX0pKSxhfWZ1bmN0aW9uIFhpKHQsZSxpLHMsbixvKXtyZXR1cm4gb3x8dC5pc1BvaW50SW5BcmVhKGUpPyJyIiE9PWl8fHM/VWkodCxlLGkscyxuLG8pOmZ1bmN0aW9uKHQsZSxpLHMpe2xldCBuPVtdO3JldHVybiAkaSh0LGksZSwoZnVuY3Rpb24odCxpLG8pe2NvbnN0e3N0YXJ0QW5nbGU6YSxlbmRBbmdsZTpyfT10LmdldFByb3BzKFsic3RhcnRBbmdsZSIsImVuZEFuZ2xlIl0scykse2FuZ2xlOmx9PVgodCx7eDplLngseTplLnl9KTtKKGwsYSxyKSYmbi5wdXNoKHtlbGVtZW50OnQsZGF0YXNldEluZGV4OmksaW5kZXg6b30pfSkpLG59KHQsZSxpLG4pOltdfWZ1bmN0aW9uIHFpKHQsZSxpLHMsbil7Y29uc3Qgbz1bXSxhPSJ4Ij09PWk/ImluWFJhbmdlIjoiaW5ZUmFuZ2UiO2xldCByPSExO3JldHVybiAkaSh0LGksZSwoKHQscyxsKT0+e3RbYV0mJnRbYV0oZVtpXSxuKSYmKG8ucHVzaCh7ZWxlbWVudDp0LGRhdGFzZXRJbmRleDpzLGluZGV4Omx9KSxyPXJ8fHQuaW5SYW5nZShlLngsZS55LG4pKX0pKSxzJiYhcj9bXTpvfXZhciBLaT17ZXZhbHVhdGVJbnRlcmFjdGlvbkl0ZW1zOiRpLG1vZGVzOntpbmRleCh0LGUsaSxzKXtjb25zdCBuPXZlKGUsdCksbz1pLmF4aXN8fCJ4IixhPWkuaW5jbHVkZUludmlzaWJsZXx8ITEscj1pLmludGVyc2VjdD9ZaSh0LG4sbyxzLGEpOlhpKHQsbixvLCExLHMsYSksbD1bXTtyZXR1cm4gci5sZW5ndGg/KHQuZ2V0U29ydGVkVmlzaWJsZURhdGFzZXRNZXRhcygpLmZvckVhY2goKHQ9Pntjb25zdCBlPXJbMF0uaW5kZXgsaT10LmRhdGFbZV07aSYmIWkuc2tpcCYmbC5wdXNoKHtlbGVtZW50OmksZGF0YXNldEluZGV4OnQuaW5kZXgsaW5kZXg6ZX0pfSkpLGwpOltdfSxkYXRhc2V0KHQsZSxpLHMpe2NvbnN0IG49dmUoZSx0KSxvPWkuYXhpc3x8Inh5IixhPWkuaW5jbHVkZUludmlzaWJsZXx8ITE7bGV0IHI9aS5pbnRlcnNlY3Q/WWkodCxuLG8scyxhKTpYaSh0LG4sbywhMSxzLGEpO2lmKHIubGVuZ3RoPjApe2NvbnN0IGU9clswXS5kYXRhc2V0SW5kZXgsaT10LmdldERhdGFzZXRNZXRhKGUpLmRhdGE7cj1bXTtmb3IobGV0IHQ9MDt0PGkubGVuZ3RoOysrdClyLnB1c2goe2VsZW1lbnQ6aVt0XSxkYXRhc2V0SW5kZXg6ZSxpbmRleDp0fSl9cmV0dXJuIHJ9LHBvaW50Oih0LGUsaSxzKT0+WWkodCx2ZShlLHQpLGkuYXhpc3x8Inh5IixzLGkuaW5jbHVkZUludmlzaWJsZXx8ITEpLG5lYXJlc3QodCxlLGkscyl7Y29uc3Qgbj12ZShlLHQpLG89aS5heGlzfHwieHkiLGE9aS5pbmNsdWRlSW52aXNpYmxlfHwhMTtyZXR1cm4gWGkodCxuLG8saS5pbnRlcnNlY3QscyxhKX0seDoodCxlLGkscyk9PnFpKHQsdmUoZSx0KSwieCIsaS5pbnRlcnNlY3QscykseToodCxlLGkscyk9PnFpKHQsdmUoZSx0KSwieSIsaS5pbnRlcnNlY3Qscyl9fTtjb25zdCBHaT1bImxlZnQiLCJ0b3AiLCJyaWdodCIsImJvdHRvbSJdO2Z1bmN0aW9uIEppKHQsZSl7cmV0dXJuIHQuZmlsdGVyKCh0PT50LnBvcz09PWUpKX1mdW5jdGlvbiBaaSh0LGUpe3JldHVybiB0LmZpbHRlcigodD0+LTE9PT1HaS5pbmRleE9mKHQucG9zKSYmdC5ib3guYXhpcz09PWUpKX1mdW5jdGlvbiBRaSh0LGUpe3JldHVybiB0LnNvcnQoKCh0LGkpPT57Y29uc3Qgcz1lP2k6dCxuPWU/dDppO3JldHVybiBzLndlaWdodD09PW4ud2VpZ2h0P3MuaW5kZXgtbi5pbmRleDpzLndlaWdodC1uLndlaWdodH0pKX1mdW5jdGlvbiB0cyh0LGUpe2NvbnN0IGk9ZnVuY3Rpb24odCl7Y29uc3QgZT17fTtmb3IoY29uc3QgaSBvZiB0KXtjb25zdHtzdGFjazp0LHBvczpzLHN0YWNrV2VpZ2h0Om59PWk7aWYoIXR8fCFHaS5pbmNsdWRlcyhzKSljb250aW51ZTtjb25zdCBvPWVbdF18fChlW3RdPXtjb3VudDowLHBsYWNlZDowLHdlaWdodDowLHNpemU6MH0pO28uY291bnQrKyxvLndlaWdodCs9bn1yZXR1cm4gZX0odCkse3ZCb3hNYXhXaWR0aDpzLGhCb3hNYXhIZWlnaHQ6bn09ZTtsZXQgbyxhLHI7Zm9yKG89MCxhPXQubGVuZ3RoO288YTsrK28pe3I9dFtvXTtjb25zdHtmdWxsU2l6ZTphfT1yLmJveCxsPWlbci5zdGFja10saD1sJiZyLnN0YWNrV2VpZ2h0L2wud2VpZ2h0O3IuaG9yaXpvbnRhbD8oci53aWR0aD1oP2gqczphJiZlLmF2YWlsYWJsZVdpZHRoLHIuaGVpZ2h0PW4pOihyLndpZHRoPXMsci5oZWlnaHQ9aD9oKm46YSYmZS5hdmFpbGFibGVIZWlnaHQpfXJldHVybiBpfWZ1bmN0aW9uIGVzKHQsZSxpLHMpe3JldHVybiBNYXRoLm1heCh0W2ldLGVbaV0pK01hdGgubWF4KHRbc10sZVtzXSl9ZnVuY3Rpb24gaXModCxlKXt0LnRvcD1NYXRoLm1heCh0LnRvcCxlLnRvcCksdC5sZWZ0PU1hdGgubWF4KHQubGVmdCxlLmxlZnQpLHQuYm90dG9tPU1hdGgubWF4KHQuYm90dG9tLGUuYm90dG9tKSx0LnJpZ2h0PU1hdGgubWF4KHQucmlnaHQsZS5yaWdodCl9ZnVuY3Rpb24gc3ModCxlLGkscyl7Y29uc3R7cG9zOm4sYm94OmF9PWkscj10Lm1heFBhZGRpbmc7aWYoIW8obikpe2kuc2l6ZSYmKHRbbl0tPWkuc2l6ZSk7Y29uc3QgZT1zW2kuc3RhY2tdfHx7c2l6ZTowLGNvdW50OjF9O2Uuc2l6ZT1NYXRoLm1heChlLnNpemUsaS5ob3Jpem9udGFsP2EuaGVpZ2h0OmEud2lkdGgpLGkuc2l6ZT1lLnNpemUvZS5jb3VudCx0W25dKz1pLnNpemV9YS5nZXRQYWRkaW5nJiZpcyhyLGEuZ2V0UGFkZGluZygpKTtjb25zdCBsPU1hdGgubWF4KDAsZS5vdXRlcldpZHRoLWVzKHIsdCwibGVmdCIsInJpZ2h0IikpLGg9TWF0aC5tYXgoMCxlLm91dGVySGVpZ2h0LWVzKHIsdCwidG9wIiwiYm90dG9tIikpLGM9bCE9PXQudyxkPWghPT10Lmg7cmV0dXJuIHQudz1sLHQuaD1oLGkuaG9yaXpvbnRhbD97c2FtZTpjLG90aGVyOmR9OntzYW1lOmQsb3RoZXI6Y319ZnVuY3Rpb24gbnModCxlKXtjb25zdCBpPWUubWF4UGFkZGluZztmdW5jdGlvbiBzKHQpe2NvbnN0IHM9e2xlZnQ6MCx0b3A6MCxyaWdodDowLGJvdHRvbTowfTtyZXR1cm4gdC5mb3JFYWNoKCh0PT57c1t0XT1NYXRoLm1heChlW3RdLGlbdF0pfSkpLHN9cmV0dXJuIHModD9bImxlZnQiLCJyaWdodCJdOlsidG9wIiwiYm90dG9tIl0pfWZ1bmN0aW9uIG9zKHQsZSxpLHMpe2NvbnN0IG49W107bGV0IG8sYSxyLGwsaCxjO2ZvcihvPTAsYT10Lmxlbmd0aCxoPTA7bzxhOysrbyl7cj10W29dLGw9ci5ib3gsbC51cGRhdGUoci53aWR0aHx8ZS53LHIuaGVpZ2h0fHxlLmgsbnMoci5ob3Jpem9udGFsLGUpKTtjb25zdHtzYW1lOmEsb3RoZXI6ZH09c3MoZSxpLHIscyk7aHw9YSYmbi5sZW5ndGgsYz1jfHxkLGwuZnVsbFNpemV8fG4ucHVzaChyKX1yZXR1cm4gaCYmb3MobixlLGkscyl8fGN9ZnVuY3Rpb24gYXModCxlLGkscyxuKXt0LnRvcD1pLHQubGVmdD1lLHQucmlnaHQ9ZStzLHQuYm90dG9tPWkrbix0LndpZHRoPXMsdC5oZWlnaHQ9bn1mdW5jdGlvbiBycyh0LGUsaSxzKXtjb25zdCBuPWkucGFkZGluZztsZXR7eDpvLHk6YX09ZTtmb3IoY29uc3QgciBvZiB0KXtjb25zdCB0PXIuYm94LGw9c1tyLnN0YWNrXXx8e2NvdW50OjEscGxhY2VkOjAsd2VpZ2h0OjF9LGg9ci5zdGFja1dlaWdodC9sLndlaWdodHx8MTtpZihyLmhvcml6b250YWwpe2NvbnN0IHM9ZS53Kmgsbz1sLnNpemV8fHQuaGVpZ2h0O2sobC5zdGFydCkmJihhPWwuc3RhcnQpLHQuZnVsbFNpemU/YXModCxuLmxlZnQsYSxpLm91dGVyV2lkdGgtbi5yaWdodC1uLmxlZnQsbyk6YXModCxlLmxlZnQrbC5wbGFjZWQsYSxzLG8pLGwuc3RhcnQ9YSxsLnBsYWNlZCs9cyxhPXQuYm90dG9tfWVsc2V7Y29uc3Qgcz1lLmgqaCxhPWwuc2l6ZXx8dC53aWR0aDtrKGwuc3RhcnQpJiYobz1sLnN0YXJ0KSx0LmZ1bGxTaXplP2FzKHQsbyxuLnRvcCxhLGkub3V0ZXJIZWlnaHQtbi5ib3R0b20tbi50b3ApOmFzKHQsbyxlLnRvcCtsLnBsYWNlZCxhLHMpLGwuc3RhcnQ9byxsLnBsYWNlZCs9cyxvPXQucmlnaHR9fWUueD1vLGUueT1hfXZhciBscz17YWRkQm94KHQsZSl7dC5ib3hlc3x8KHQuYm94ZXM9W10pLGUuZnVsbFNpemU9ZS5mdWxsU2l6ZXx8ITEsZS5wb3NpdGlvbj1lLnBvc2l0aW9ufHwidG9wIixlLndlaWdodD1lLndlaWdodHx8MCxlLl9sYXllcnM9ZS5fbGF5ZXJzfHxmdW5jdGlvbigpe3JldHVyblt7ejowLGRyYXcodCl7ZS5kcmF3KHQpfX1dfSx0LmJveGVzLnB1c2goZSl9LHJlbW92ZUJveCh0LGUpe2NvbnN0IGk9dC5ib3hlcz90LmJveGVzLmluZGV4T2YoZSk6LTE7LTEhPT1pJiZ0LmJveGVzLnNwbGljZShpLDEpfSxjb25maWd1cmUodCxlLGkpe2UuZnVsbFNpemU9aS5mdWxsU2l6ZSxlLnBvc2l0aW9uPWkucG9zaXRpb24sZS53ZWlnaHQ9aS53ZWlnaHR9LHVwZGF0ZSh0LGUsaSxzKXtpZighdClyZXR1cm47Y29uc3Qgbj1raSh0Lm9wdGlvbnMubGF5b3V0LnBhZGRpbmcpLG89TWF0aC5tYXgoZS1uLndpZHRoLDApLGE9TWF0aC5tYXgoaS1uLmhlaWdodCwwKSxyPWZ1bmN0aW9uKHQpe2NvbnN0IGU9ZnVuY3Rpb24odCl7Y29uc3QgZT1bXTtsZXQgaSxzLG4sbyxhLHI7Zm9yKGk9MCxzPSh0fHxbXSkubGVuZ3RoO2k8czsrK2kpbj10W2ldLCh7cG9zaXRpb246byxvcHRpb25zOntzdGFjazphLHN0YWNrV2VpZ2h0OnI9MX19PW4pLGUucHVzaCh7aW5kZXg6aSxib3g6bixwb3M6byxob3Jpem9udGFsOm4uaXNIb3Jpem9udGFsKCksd2VpZ2h0Om4ud2VpZ2h0LHN0YWNrOmEmJm8rYSxzdGFja1dlaWdodDpyfSk7cmV0dXJuIGV9KHQpLGk9UWkoZS5maWx0ZXIoKHQ9PnQuYm94LmZ1bGxTaXplKSksITApLHM9UWkoSmkoZSwibGVmdCIpLCEwKSxuPVFpKEppKGUsInJpZ2h0IikpLG89UWkoSmkoZSwidG9wIiksITApLGE9UWkoSmkoZSwiYm90dG9tIikpLHI9WmkoZSwieCIpLGw9WmkoZSwieSIpO3JldHVybntmdWxsU2l6ZTppLGxlZnRBbmRUb3A6cy5jb25jYXQobykscmlnaHRBbmRCb3R0b206bi5jb25jYXQobCkuY29uY2F0KGEpLmNvbmNhdChyKSxjaGFydEFyZWE6SmkoZSwiY2hhcnRBcmVhIiksdmVydGljYWw6cy5jb25jYXQobikuY29uY2F0KGwpLGhvcml6b250YWw6by5jb25jYXQoYSkuY29uY2F0KHIpfX0odC5ib3hlcyksbD1yLnZlcnRpY2FsLGg9ci5ob3Jpem9udGFsO3UodC5ib3hlcywodD0+eyJmdW5jdGlvbiI9PXR5cGVvZiB0LmJlZm9yZUxheW91dCYmdC5iZWZvcmVMYXlvdXQoKX0pKTtjb25zdCBjPWwucmVkdWNlKCgodCxlKT0+ZS5ib3gub3B0aW9ucyYmITE9PT1lLmJveC5vcHRpb25zLmRpc3BsYXk/dDp0KzEpLDApfHwxLGQ9T2JqZWN0LmZyZWV6ZSh7b3V0ZXJXaWR0aDplLG91dGVySGVpZ2h0OmkscGFkZGluZzpuLGF2YWlsYWJsZVdpZHRoOm8sYXZhaWxhYmxlSGVpZ2h0OmEsdkJveE1heFdpZHRoOm8vMi9jLGhCb3hNYXhIZWlnaHQ6YS8yfSksZj1PYmplY3QuYXNzaWduKHt9LG4pO2lzKGYsa2kocykpO2NvbnN0IGc9T2JqZWN0LmFzc2lnbih7bWF4UGFkZGluZzpmLHc6byxoOmEseDpuLmxlZnQseTpuLnRvcH0sbikscD10cyhsLmNvbmNhdChoKSxkKTtvcyhyLmZ1bGxTaXplLGcsZCxwKSxvcyhsLGcsZCxwKSxvcyhoLGcsZCxwKSYmb3MobCxnLGQscCksZnVuY3Rpb24odCl7Y29uc3QgZT10Lm1heFBhZGRpbmc7ZnVuY3Rpb24gaShpKXtjb25zdCBzPU1hdGgubWF4KGVbaV0tdFtpXSwwKTtyZXR1cm4gdFtpXSs9cyxzfXQueSs9aSgidG9wIiksdC54Kz1pKCJsZWZ0IiksaSgicmlnaHQiKSxpKCJib3R0b20iKX0oZykscnMoci5sZWZ0QW5kVG9wLGcsZCxwKSxnLngrPWcudyxnLnkrPWcuaCxycyhyLnJpZ2h0QW5kQm90dG9tLGcsZCxwKSx0LmNoYXJ0QXJlYT17bGVmdDpnLmxlZnQsdG9wOmcudG9wLHJpZ2h0OmcubGVmdCtnLncsYm90dG9tOmcudG9wK2cuaCxoZWlnaHQ6Zy5oLHdpZHRoOmcud30sdShyLmNoYXJ0QXJlYSwoZT0+e2NvbnN0IGk9ZS5ib3g7T2JqZWN0LmFzc2lnbihpLHQuY2hhcnRBcmVhKSxpLnVwZGF0ZShnLncsZy5oLHtsZWZ0OjAsdG9wOjAscmlnaHQ6MCxib3R0b206MH0pfSkpfX07Y2xhc3MgaHN7YWNxdWlyZUNvbnRleHQodCxlKXt9cmVsZWFzZUNvbnRleHQodCl7cmV0dXJuITF9YWRkRXZlbnRMaXN0ZW5lcih0LGUsaSl7fXJlbW92ZUV2ZW50TGlzdGVuZXIodCxlLGkpe31nZXREZXZpY2VQaXhlbFJhdGlvKCl7cmV0dXJuIDF9Z2V0TWF4aW11bVNpemUodCxlLGkscyl7cmV0dXJuIGU9TWF0aC5tYXgoMCxlfHx0LndpZHRoKSxpPWl8fHQuaGVpZ2h0LHt3aWR0aDplLGhlaWdodDpNYXRoLm1heCgwLHM/TWF0aC5mbG9vcihlL3MpOmkpfX1pc0F0dGFjaGVkKHQpe3JldHVybiEwfXVwZGF0ZUNvbmZpZyh0KXt9fWNsYXNzIGNzIGV4dGVuZHMgaHN7YWNxdWlyZUNvbnRleHQodCl7cmV0dXJuIHQmJnQuZ2V0Q29udGV4dCYmdC5nZXRDb250ZXh0KCIyZCIpfHxudWxsfXVwZGF0ZUNvbmZpZyh0KXt0Lm9wdGlvbnMuYW5pbWF0aW9uPSExfX1jb25zdCBkcz0iJGNoYXJ0anMiLHVzPXt0b3VjaHN0YXJ0OiJtb3VzZWRvd24iLHRvdWNobW92ZToibW91c2Vtb3ZlIix0b3VjaGVuZDoibW91c2V1cCIscG9pbnRlcmVudGVyOiJtb3VzZWVudGVyIixwb2ludGVyZG93bjoibW91c2Vkb3duIixwb2ludGVybW92ZToibW91c2Vtb3ZlIixwb2ludGVydXA6Im1vdXNldXAiLHBvaW50ZXJsZWF2ZToibW91c2VvdXQiLHBvaW50ZXJvdXQ6Im1vdXNlb3V0In0sZnM9dD0+bnVsbD09PXR8fCIiPT09dDtjb25zdCBncz0hIVNlJiZ7cGFzc2l2ZTohMH07ZnVuY3Rpb24gcHModCxlLGkpe3QmJnQuY2FudmFzJiZ0LmNhbnZhcy5yZW1vdmVFdmVudExpc3RlbmVyKGUsaSxncyl9ZnVuY3Rpb24gbXModCxlKXtmb3IoY29uc3QgaSBvZiB0KWlmKGk9PT1lfHxpLmNvbnRhaW5zKGUpKXJldHVybiEwfWZ1bmN0aW9uIHhzKHQsZSxpKXtjb25zdCBzPXQuY2FudmFzLG49bmV3IE11dGF0aW9uT2JzZXJ2ZXIoKHQ9PntsZXQgZT0hMTtmb3IoY29uc3QgaSBvZiB0KWU9ZXx8bXMoaS5hZGRlZE5vZGVzLHMpLGU9ZSYmIW1zKGkucmVtb3ZlZE5vZGVzLHMpO2UmJmkoKX0pKTtyZXR1cm4gbi5vYnNlcnZlKGRvY3VtZW50LHtjaGlsZExpc3Q6ITAsc3VidHJlZTohMH0pLG59ZnVuY3Rpb24gYnModCxlLGkpe2NvbnN0IHM9dC5jYW52YXMsbj1uZXcgTXV0YXRpb25PYnNlcnZlcigodD0+e2xldCBlPSExO2Zvcihjb25zdCBpIG9mIHQpZT1lfHxtcyhpLnJlbW92ZWROb2RlcyxzKSxlPWUmJiFtcyhpLmFkZGVkTm9kZXMscyk7ZSYmaSgpfSkpO3JldHVybiBuLm9ic2VydmUoZG9jdW1lbnQse2NoaWxkTGlzdDohMCxzdWJ0cmVlOiEwfSksbn1jb25zdCBfcz1uZXcgTWFwO2xldCB5cz0wO2Z1bmN0aW9uIHZzKCl7Y29uc3QgdD13aW5kb3cuZGV2aWNlUGl4ZWxSYXRpbzt0IT09eXMmJih5cz10LF9zLmZvckVhY2goKChlLGkpPT57aS5jdXJyZW50RGV2aWNlUGl4ZWxSYXRpbyE9PXQmJmUoKX0pKSl9ZnVuY3Rpb24gTXModCxlLGkpe2NvbnN0IHM9dC5jYW52YXMsbj1zJiZnZShzKTtpZighbilyZXR1cm47Y29uc3Qgbz1jdCgoKHQsZSk9Pntjb25zdCBzPW4uY2xpZW50V2lkdGg7aSh0LGUpLHM8bi5jbGllbnRXaWR0aCYmaSgpfSksd2luZG93KSxhPW5ldyBSZXNpemVPYnNlcnZlcigodD0+e2NvbnN0IGU9dFswXSxpPWUuY29udGVudFJlY3Qud2lkdGgscz1lLmNvbnRlbnRSZWN0LmhlaWdodDswPT09aSYmMD09PXN8fG8oaSxzKX0pKTtyZXR1cm4gYS5vYnNlcnZlKG4pLGZ1bmN0aW9uKHQsZSl7X3Muc2l6ZXx8d2luZG93LmFkZEV2ZW50TGlzdGVuZXIoInJlc2l6ZSIsdnMpLF9zLnNldCh0LGUpfSh0LG8pLGF9ZnVuY3Rpb24gd3ModCxlLGkpe2kmJmkuZGlzY29ubmVjdCgpLCJyZXNpemUiPT09ZSYmZnVuY3Rpb24odCl7X3MuZGVsZXRlKHQpLF9zLnNpemV8fHdpbmRvdy5yZW1vdmVFdmVudExpc3RlbmVyKCJyZXNpemUiLHZzKX0odCl9ZnVuY3Rpb24ga3ModCxlLGkpe2NvbnN0IHM9dC5jYW52YXMsbj1jdCgoZT0+e251bGwhPT10LmN0eCYmaShmdW5jdGlvbih0LGUpe2NvbnN0IGk9dXNbdC50eXBlXXx8dC50eXBlLHt4OnMseTpufT12ZSh0LGUpO3JldHVybnt0eXBlOmksY2hhcnQ6ZSxuYXRpdmU6dCx4OnZvaWQgMCE9PXM/czpudWxsLHk6dm9pZCAwIT09bj9uOm51bGx9fShlLHQpKX0pLHQpO3JldHVybiBmdW5jdGlvbih0LGUsaSl7dCYmdC5hZGRFdmVudExpc3RlbmVyKGUsaSxncyl9KHMsZSxuKSxufWNsYXNzIFNzIGV4dGVuZHMgaHN7YWNxdWlyZUNvbnRleHQodCxlKXtjb25zdCBpPXQmJnQuZ2V0Q29udGV4dCYmdC5nZXRDb250ZXh0KCIyZCIpO3JldHVybiBpJiZpLmNhbnZhcz09PXQ/KGZ1bmN0aW9uKHQsZSl7Y29uc3QgaT10LnN0eWxlLHM9dC5nZXRBdHRyaWJ1dGUoImhlaWdodCIpLG49dC5nZXRBdHRyaWJ1dGUoIndpZHRoIik7aWYodFtkc109e2luaXRpYWw6e2hlaWdodDpzLHdpZHRoOm4sc3R5bGU6e2Rpc3BsYXk6aS5kaXNwbGF5LGhlaWdodDppLmhlaWdodCx3aWR0aDppLndpZHRofX19LGkuZGlzcGxheT1pLmRpc3BsYXl8fCJibG9jayIsaS5ib3hTaXppbmc9aS5ib3hTaXppbmd8fCJib3JkZXItYm94IixmcyhuKSl7Y29uc3QgZT1QZSh0LCJ3aWR0aCIpO3ZvaWQgMCE9PWUmJih0LndpZHRoPWUpfWlmKGZzKHMpKWlmKCIiPT09dC5zdHlsZS5oZWlnaHQpdC5oZWlnaHQ9dC53aWR0aC8oZXx8Mik7ZWxzZXtjb25zdCBlPVBlKHQsImhlaWdodCIpO3ZvaWQgMCE9PWUmJih0LmhlaWdodD1lKX19KHQsZSksaSk6bnVsbH1yZWxlYXNlQ29udGV4dCh0KXtjb25zdCBlPXQuY2FudmFzO2lmKCFlW2RzXSlyZXR1cm4hMTtjb25zdCBpPWVbZHNdLmluaXRpYWw7WyJoZWlnaHQiLCJ3aWR0aCJdLmZvckVhY2goKHQ9Pntjb25zdCBuPWlbdF07cyhuKT9lLnJlbW92ZUF0dHJpYnV0ZSh0KTplLnNldEF0dHJpYnV0ZSh0LG4pfSkpO2NvbnN0IG49aS5zdHlsZXx8e307cmV0dXJuIE9iamVjdC5rZXlzKG4pLmZvckVhY2goKHQ9PntlLnN0eWxlW3RdPW5bdF19KSksZS53aWR0aD1lLndpZHRoLGRlbGV0ZSBlW2RzXSwhMH1hZGRFdmVudExpc3RlbmVyKHQsZSxpKXt0aGlzLnJlbW92ZUV2ZW50TGlzdGVuZXIodCxlKTtjb25zdCBzPXQuJHByb3hpZXN8fCh0LiRwcm94aWVzPXt9KSxuPXthdHRhY2g6eHMsZGV0YWNoOmJzLHJlc2l6ZTpNc31bZV18fGtzO3NbZV09bih0LGUsaSl9cmVtb3ZlRXZlbnRMaXN0ZW5lcih0LGUpe2NvbnN0IGk9dC4kcHJveGllc3x8KHQuJHByb3hpZXM9e30pLHM9aVtlXTtpZighcylyZXR1cm47KHthdHRhY2g6d3MsZGV0YWNoOndzLHJlc2l6ZTp3c31bZV18fHBzKSh0LGUscyksaVtlXT12b2lkIDB9Z2V0RGV2aWNlUGl4ZWxSYXRpbygpe3JldHVybiB3aW5kb3cuZGV2aWNlUGl4ZWxSYXRpb31nZXRNYXhpbXVtU2l6ZSh0LGUsaSxzKXtyZXR1cm4gd2UodCxlLGkscyl9aXNBdHRhY2hlZCh0KXtjb25zdCBlPXQmJmdlKHQpO3JldHVybiEoIWV8fCFlLmlzQ29ubmVjdGVkKX19ZnVuY3Rpb24gUHModCl7cmV0dXJuIWZlKCl8fCJ1bmRlZmluZWQiIT10eXBlb2YgT2Zmc2NyZWVuQ2FudmFzJiZ0IGluc3RhbmNlb2YgT2Zmc2NyZWVuQ2FudmFzP2NzOlNzfXZhciBEcz1PYmplY3QuZnJlZXplKHtfX3Byb3RvX186bnVsbCxCYXNlUGxhdGZvcm06aHMsQmFzaWNQbGF0Zm9ybTpjcyxEb21QbGF0Zm9ybTpTcyxfZGV0ZWN0UGxhdGZvcm06UHN9KTtjb25zdCBDcz0idHJhbnNwYXJlbnQiLE9zPXtib29sZWFuOih0LGUsaSk9Pmk+LjU/ZTp0LGNvbG9yKHQsZSxpKXtjb25zdCBzPVF0KHR8fENzKSxuPXMudmFsaWQmJlF0KGV8fENzKTtyZXR1cm4gbiYmbi52YWxpZD9uLm1peChzLGkpLmhleFN0cmluZygpOmV9LG51bWJlcjoodCxlLGkpPT50KyhlLXQpKml9O2NsYXNzIEFze2NvbnN0cnVjdG9yKHQsZSxpLHMpe2NvbnN0IG49ZVtpXTtzPVBpKFt0LnRvLHMsbix0LmZyb21dKTtjb25zdCBvPVBpKFt0LmZyb20sbixzXSk7dGhpcy5fYWN0aXZlPSEwLHRoaXMuX2ZuPXQuZm58fE9zW3QudHlwZXx8dHlwZW9mIG9dLHRoaXMuX2Vhc2luZz1maVt0LmVhc2luZ118fGZpLmxpbmVhcix0aGlzLl9zdGFydD1NYXRoLmZsb29yKERhdGUubm93KCkrKHQuZGVsYXl8fDApKSx0aGlzLl9kdXJhdGlvbj10aGlzLl90b3RhbD1NYXRoLmZsb29yKHQuZHVyYXRpb24pLHRoaXMuX2xvb3A9ISF0Lmxvb3AsdGhpcy5fdGFyZ2V0PWUsdGhpcy5fcHJvcD1pLHRoaXMuX2Zyb209byx0aGlzLl90bz1zLHRoaXMuX3Byb21pc2VzPXZvaWQgMH1hY3RpdmUoKXtyZXR1cm4gdGhpcy5fYWN0aXZlfXVwZGF0ZSh0LGUsaSl7aWYodGhpcy5fYWN0aXZlKXt0aGlzLl9ub3RpZnkoITEpO2NvbnN0IHM9dGhpcy5fdGFyZ2V0W3RoaXMuX3Byb3BdLG49aS10aGlzLl9zdGFydCxvPXRoaXMuX2R1cmF0aW9uLW47dGhpcy5fc3RhcnQ9aSx0aGlzLl9kdXJhdGlvbj1NYXRoLmZsb29yKE1hdGgubWF4KG8sdC5kdXJhdGlvbikpLHRoaXMuX3RvdGFsKz1uLHRoaXMuX2xvb3A9ISF0Lmxvb3AsdGhpcy5fdG89UGkoW3QudG8sZSxzLHQuZnJvbV0pLHRoaXMuX2Zyb209UGkoW3QuZnJvbSxzLGVdKX19Y2FuY2VsKCl7dGhpcy5fYWN0aXZlJiYodGhpcy50aWNrKERhdGUubm93KCkpLHRoaXMuX2FjdGl2ZT0hMSx0aGlzLl9ub3RpZnkoITEpKX10aWNrKHQpe2NvbnN0IGU9dC10aGlzLl9zdGFydCxpPXRoaXMuX2R1cmF0aW9uLHM9dGhpcy5fcHJvcCxuPXRoaXMuX2Zyb20sbz10aGlzLl9sb29wLGE9dGhpcy5fdG87bGV0IHI7aWYodGhpcy5fYWN0aXZlPW4hPT1hJiYob3x8ZTxpKSwhdGhpcy5fYWN0aXZlKXJldHVybiB0aGlzLl90YXJnZXRbc109YSx2b2lkIHRoaXMuX25vdGlmeSghMCk7ZTwwP3RoaXMuX3RhcmdldFtzXT1uOihyPWUvaSUyLHI9byYmcj4xPzItcjpyLHI9dGhpcy5fZWFzaW5nKE1hdGgubWluKDEsTWF0aC5tYXgoMCxyKSkpLHRoaXMuX3RhcmdldFtzXT10aGlzLl9mbihuLGEscikpfXdhaXQoKXtjb25zdCB0PXRoaXMuX3Byb21pc2VzfHwodGhpcy5fcHJvbWlzZXM9W10pO3JldHVybiBuZXcgUHJvbWlzZSgoKGUsaSk9Pnt0LnB1c2goe3JlczplLHJlajppfSl9KSl9X25vdGlmeSh0KXtjb25zdCBlPXQ/InJlcyI6InJlaiIsaT10aGlzLl9wcm9taXNlc3x8W107Zm9yKGxldCB0PTA7dDxpLmxlbmd0aDt0KyspaVt0XVtlXSgpfX1jbGFzcyBUc3tjb25zdHJ1Y3Rvcih0LGUpe3RoaXMuX2NoYXJ0PXQsdGhpcy5fcHJvcGVydGllcz1uZXcgTWFwLHRoaXMuY29uZmlndXJlKGUpfWNvbmZpZ3VyZSh0KXtpZighbyh0KSlyZXR1cm47Y29uc3QgZT1PYmplY3Qua2V5cyh1ZS5hbmltYXRpb24pLGk9dGhpcy5fcHJvcGVydGllcztPYmplY3QuZ2V0T3duUHJvcGVydHlOYW1lcyh0KS5mb3JFYWNoKChzPT57Y29uc3QgYT10W3NdO2lmKCFvKGEpKXJldHVybjtjb25zdCByPXt9O2Zvcihjb25zdCB0IG9mIGUpclt0XT1hW3RdOyhuKGEucHJvcGVydGllcykmJmEucHJvcGVydGllc3x8W3NdKS5mb3JFYWNoKCh0PT57dCE9PXMmJmkuaGFzKHQpfHxpLnNldCh0LHIpfSkpfSkpfV9hbmltYXRlT3B0aW9ucyh0LGUpe2NvbnN0IGk9ZS5vcHRpb25zLHM9ZnVuY3Rpb24odCxlKXtpZighZSlyZXR1cm47bGV0IGk9dC5vcHRpb25zO2lmKCFpKXJldHVybiB2b2lkKHQub3B0aW9ucz1lKTtpLiRzaGFyZWQmJih0Lm9wdGlvbnM9aT1PYmplY3QuYXNzaWduKHt9LGkseyRzaGFyZWQ6ITEsJGFuaW1hdGlvbnM6e319KSk7cmV0dXJuIGl9KHQsaSk7aWYoIXMpcmV0dXJuW107Y29uc3Qgbj10aGlzLl9jcmVhdGVBbmltYXRpb25zKHMsaSk7cmV0dXJuIGkuJHNoYXJlZCYmZnVuY3Rpb24odCxlKXtjb25zdCBpPVtdLHM9T2JqZWN0LmtleXMoZSk7Zm9yKGxldCBlPTA7ZTxzLmxlbmd0aDtlKyspe2NvbnN0IG49dFtzW2VdXTtuJiZuLmFjdGl2ZSgpJiZpLnB1c2gobi53YWl0KCkpfXJldHVybiBQcm9taXNlLmFsbChpKX0odC5vcHRpb25zLiRhbmltYXRpb25zLGkpLnRoZW4oKCgpPT57dC5vcHRpb25zPWl9KSwoKCk9Pnt9KSksbn1fY3JlYXRlQW5pbWF0aW9ucyh0LGUpe2NvbnN0IGk9dGhpcy5fcHJvcGVydGllcyxzPVtdLG49dC4kYW5pbWF0aW9uc3x8KHQuJGFuaW1hdGlvbnM9e30pLG89T2JqZWN0LmtleXMoZSksYT1EYXRlLm5vdygpO2xldCByO2ZvcihyPW8ubGVuZ3RoLTE7cj49MDstLXIpe2NvbnN0IGw9b1tyXTtpZigiJCI9PT1sLmNoYXJBdCgwKSljb250aW51ZTtpZigib3B0aW9ucyI9PT1sKXtzLnB1c2goLi4udGhpcy5fYW5pbWF0ZU9wdGlvbnModCxlKSk7Y29udGludWV9Y29uc3QgaD1lW2xdO2xldCBjPW5bbF07Y29uc3QgZD1pLmdldChsKTtpZihjKXtpZihkJiZjLmFjdGl2ZSgpKXtjLnVwZGF0ZShkLGgsYSk7Y29udGludWV9Yy5jYW5jZWwoKX1kJiZkLmR1cmF0aW9uPyhuW2xdPWM9bmV3IEFzKGQsdCxsLGgpLHMucHVzaChjKSk6dFtsXT1ofXJldHVybiBzfXVwZGF0ZSh0LGUpe2lmKDA9PT10aGlzLl9wcm9wZXJ0aWVzLnNpemUpcmV0dXJuIHZvaWQgT2JqZWN0LmFzc2lnbih0LGUpO2NvbnN0IGk9dGhpcy5fY3JlYXRlQW5pbWF0aW9ucyh0LGUpO3JldHVybiBpLmxlbmd0aD8oYnQuYWRkKHRoaXMuX2NoYXJ0LGkpLCEwKTp2b2lkIDB9fWZ1bmN0aW9uIExzKHQsZSl7Y29uc3QgaT10JiZ0Lm9wdGlvbnN8fHt9LHM9aS5yZXZlcnNlLG49dm9pZCAwPT09aS5taW4/ZTowLG89dm9pZCAwPT09aS5tYXg/ZTowO3JldHVybntzdGFydDpzP286bixlbmQ6cz9uOm99fWZ1bmN0aW9uIEVzKHQsZSl7Y29uc3QgaT1bXSxzPXQuX2dldFNvcnRlZERhdGFzZXRNZXRhcyhlKTtsZXQgbixvO2ZvcihuPTAsbz1zLmxlbmd0aDtuPG87KytuKWkucHVzaChzW25dLmluZGV4KTtyZXR1cm4gaX1mdW5jdGlvbiBScyh0LGUsaSxzPXt9KXtjb25zdCBuPXQua2V5cyxvPSJzaW5nbGUiPT09cy5tb2RlO2xldCByLGwsaCxjO2lmKG51bGw9PT1lKXJldHVybjtsZXQgZD0hMTtmb3Iocj0wLGw9bi5sZW5ndGg7cjxsOysrcil7aWYoaD0rbltyXSxoPT09aSl7aWYoZD0hMCxzLmFsbCljb250aW51ZTticmVha31jPXQudmFsdWVzW2hdLGEoYykmJihvfHwwPT09ZXx8RihlKT09PUYoYykpJiYoZSs9Yyl9cmV0dXJuIGR8fHMuYWxsP2U6MH1mdW5jdGlvbiBJcyh0LGUpe2NvbnN0IGk9dCYmdC5vcHRpb25zLnN0YWNrZWQ7cmV0dXJuIGl8fHZvaWQgMD09PWkmJnZvaWQgMCE9PWUuc3RhY2t9ZnVuY3Rpb24genModCxlLGkpe2NvbnN0IHM9dFtlXXx8KHRbZV09e30pO3JldHVybiBzW2ldfHwoc1tpXT17fSl9ZnVuY3Rpb24gRnModCxlLGkscyl7Zm9yKGNvbnN0IG4gb2YgZS5nZXRNYXRjaGluZ1Zpc2libGVNZXRhcyhzKS5yZXZlcnNlKCkpe2NvbnN0IGU9dFtuLmluZGV4XTtpZihpJiZlPjB8fCFpJiZlPDApcmV0dXJuIG4uaW5kZXh9cmV0dXJuIG51bGx9ZnVuY3Rpb24gVnModCxlKXtjb25zdHtjaGFydDppLF9jYWNoZWRNZXRhOnN9PXQsbj1pLl9zdGFja3N8fChpLl9zdGFja3M9e30pLHtpU2NhbGU6byx2U2NhbGU6YSxpbmRleDpyfT1zLGw9by5heGlzLGg9YS5heGlzLGM9ZnVuY3Rpb24odCxlLGkpe3JldHVybmAke3QuaWR9LiR7ZS5pZH0uJHtpLnN0YWNrfHxpLnR5cGV9YH0obyxhLHMpLGQ9ZS5sZW5ndGg7bGV0IHU7Zm9yKGxldCB0PTA7dDxkOysrdCl7Y29uc3QgaT1lW3RdLHtbbF06byxbaF06ZH09aTt1PShpLl9zdGFja3N8fChpLl9zdGFja3M9e30pKVtoXT16cyhuLGMsbyksdVtyXT1kLHUuX3RvcD1Gcyh1LGEsITAscy50eXBlKSx1Ll9ib3R0b209RnModSxhLCExLHMudHlwZSk7KHUuX3Zpc3VhbFZhbHVlc3x8KHUuX3Zpc3VhbFZhbHVlcz17fSkpW3JdPWR9fWZ1bmN0aW9uIEJzKHQsZSl7Y29uc3QgaT10LnNjYWxlcztyZXR1cm4gT2JqZWN0LmtleXMoaSkuZmlsdGVyKCh0PT5pW3RdLmF4aXM9PT1lKSkuc2hpZnQoKX1mdW5jdGlvbiBOcyh0LGUpe2NvbnN0IGk9dC5jb250cm9sbGVyLmluZGV4LHM9dC52U2NhbGUmJnQudlNjYWxlLmF4aXM7aWYocyl7ZT1lfHx0Ll9wYXJzZWQ7Zm9yKGNvbnN0IHQgb2YgZSl7Y29uc3QgZT10Ll9zdGFja3M7ZSYmdm9pZCAwIT09ZVtzXSYmdm9pZCAwIT09ZVtzXVtpXSYmKGRlbGV0ZSBlW3NdW2ldLHZvaWQgMCE9PWVbc10uX3Zpc3VhbFZhbHVlcyYmdm9pZCAwIT09ZVtzXS5fdmlzdWFsVmFsdWVzW2ldJiZkZWxldGUgZVtzXS5fdmlzdWFsVmFsdWVzW2ldKX19fWNvbnN0IFdzPXQ9PiJyZXNldCI9PT10fHwibm9uZSI9PT10LEhzPSh0LGUpPT5lP3Q6T2JqZWN0LmFzc2lnbih7fSx0KTtjbGFzcyBqc3tzdGF0aWMgZGVmYXVsdHM9e307c3RhdGljIGRhdGFzZXRFbGVtZW50VHlwZT1udWxsO3N0YXRpYyBkYXRhRWxlbWVudFR5cGU9bnVsbDtjb25zdHJ1Y3Rvcih0LGUpe3RoaXMuY2hhcnQ9dCx0aGlzLl9jdHg9dC5jdHgsdGhpcy5pbmRleD1lLHRoaXMuX2NhY2hlZERhdGFPcHRzPXt9LHRoaXMuX2NhY2hlZE1ldGE9dGhpcy5nZXRNZXRhKCksdGhpcy5fdHlwZT10aGlzLl9jYWNoZWRNZXRhLnR5cGUsdGhpcy5vcHRpb25zPXZvaWQgMCx0aGlzLl9wYXJzaW5nPSExLHRoaXMuX2RhdGE9dm9pZCAwLHRoaXMuX29iamVjdERhdGE9dm9pZCAwLHRoaXMuX3NoYXJlZE9wdGlvbnM9dm9pZCAwLHRoaXMuX2RyYXdTdGFydD12b2lkIDAsdGhpcy5fZHJhd0NvdW50PXZvaWQgMCx0aGlzLmVuYWJsZU9wdGlvblNoYXJpbmc9ITEsdGhpcy5zdXBwb3J0c0RlY2ltYXRpb249ITEsdGhpcy4kY29udGV4dD12b2lkIDAsdGhpcy5fc3luY0xpc3Q9W10sdGhpcy5kYXRhc2V0RWxlbWVudFR5cGU9bmV3LnRhcmdldC5kYXRhc2V0RWxlbWVudFR5cGUsdGhpcy5kYXRhRWxlbWVudFR5cGU9bmV3LnRhcmdldC5kYXRhRWxlbWVudFR5cGUsdGhpcy5pbml0aWFsaXplKCl9aW5pdGlhbGl6ZSgpe2NvbnN0IHQ9dGhpcy5fY2FjaGVkTWV0YTt0aGlzLmNvbmZpZ3VyZSgpLHRoaXMubGlua1NjYWxlcygpLHQuX3N0YWNrZWQ9SXModC52U2NhbGUsdCksdGhpcy5hZGRFbGVtZW50cygpLHRoaXMub3B0aW9ucy5maWxsJiYhdGhpcy5jaGFydC5pc1BsdWdpbkVuYWJsZWQoImZpbGxlciIpJiZjb25zb2xlLndhcm4oIlRyaWVkIHRvIHVzZSB0aGUgJ2ZpbGwnIG9wdGlvbiB3aXRob3V0IHRoZSAnRmlsbGVyJyBwbHVnaW4gZW5hYmxlZC4gUGxlYXNlIGltcG9ydCBhbmQgcmVnaXN0ZXIgdGhlICdGaWxsZXInIHBsdWdpbiBhbmQgbWFrZSBzdXJlIGl0IGlzIG5vdCBkaXNhYmxlZCBpbiB0aGUgb3B0aW9ucyIpfXVwZGF0ZUluZGV4KHQpe3RoaXMuaW5kZXghPT10JiZOcyh0aGlzLl9jYWNoZWRNZXRhKSx0aGlzLmluZGV4PXR9bGlua1NjYWxlcygpe2NvbnN0IHQ9dGhpcy5jaGFydCxlPXRoaXMuX2NhY2hlZE1ldGEsaT10aGlzLmdldERhdGFzZXQoKSxzPSh0LGUsaSxzKT0+IngiPT09dD9lOiJyIj09PXQ/czppLG49ZS54QXhpc0lEPWwoaS54QXhpc0lELEJzKHQsIngiKSksbz1lLnlBeGlzSUQ9bChpLnlBeGlzSUQsQnModCwieSIpKSxhPWUuckF4aXNJRD1sKGkuckF4aXNJRCxCcyh0LCJyIikpLHI9ZS5pbmRleEF4aXMsaD1lLmlBeGlzSUQ9cyhyLG4sbyxhKSxjPWUudkF4aXNJRD1zKHIsbyxuLGEpO2UueFNjYWxlPXRoaXMuZ2V0U2NhbGVGb3JJZChuKSxlLnlTY2FsZT10aGlzLmdldFNjYWxlRm9ySWQobyksZS5yU2NhbGU9dGhpcy5nZXRTY2FsZUZvcklkKGEpLGUuaVNjYWxlPXRoaXMuZ2V0U2NhbGVGb3JJZChoKSxlLnZTY2FsZT10aGlzLmdldFNjYWxlRm9ySWQoYyl9Z2V0RGF0YXNldCgpe3JldHVybiB0aGlzLmNoYXJ0LmRhdGEuZGF0YXNldHNbdGhpcy5pbmRleF19Z2V0TWV0YSgpe3JldHVybiB0aGlzLmNoYXJ0LmdldERhdGFzZXRNZXRhKHRoaXMuaW5kZXgpfWdldFNjYWxlRm9ySWQodCl7cmV0dXJuIHRoaXMuY2hhcnQuc2NhbGVzW3RdfV9nZXRPdGhlclNjYWxlKHQpe2NvbnN0IGU9dGhpcy5fY2FjaGVkTWV0YTtyZXR1cm4gdD09PWUuaVNjYWxlP2UudlNjYWxlOmUuaVNjYWxlfXJlc2V0KCl7dGhpcy5fdXBkYXRlKCJyZXNldCIpfV9kZXN0cm95KCl7Y29uc3QgdD10aGlzLl9jYWNoZWRNZXRhO3RoaXMuX2RhdGEmJnJ0KHRoaXMuX2RhdGEsdGhpcyksdC5fc3RhY2tlZCYmTnModCl9X2RhdGFDaGVjaygpe2NvbnN0IHQ9dGhpcy5nZXREYXRhc2V0KCksZT10LmRhdGF8fCh0LmRhdGE9W10pLGk9dGhpcy5fZGF0YTtpZihvKGUpKXtjb25zdCB0PXRoaXMuX2NhY2hlZE1ldGE7dGhpcy5fZGF0YT1mdW5jdGlvbih0LGUpe2NvbnN0e2lTY2FsZTppLHZTY2FsZTpzfT1lLG49IngiPT09aS5heGlzPyJ4IjoieSIsbz0ieCI9PT1zLmF4aXM/IngiOiJ5IixhPU9iamVjdC5rZXlzKHQpLHI9bmV3IEFycmF5KGEubGVuZ3RoKTtsZXQgbCxoLGM7Zm9yKGw9MCxoPWEubGVuZ3RoO2w8aDsrK2wpYz1hW2xdLHJbbF09e1tuXTpjLFtvXTp0W2NdfTtyZXR1cm4gcn0oZSx0KX1lbHNlIGlmKGkhPT1lKXtpZihpKXtydChpLHRoaXMpO2NvbnN0IHQ9dGhpcy5fY2FjaGVkTWV0YTtOcyh0KSx0Ll9wYXJzZWQ9W119ZSYmT2JqZWN0LmlzRXh0ZW5zaWJsZShlKSYmYXQoZSx0aGlzKSx0aGlzLl9zeW5jTGlzdD1bXSx0aGlzLl9kYXRhPWV9fWFkZEVsZW1lbnRzKCl7Y29uc3QgdD10aGlzLl9jYWNoZWRNZXRhO3RoaXMuX2RhdGFDaGVjaygpLHRoaXMuZGF0YXNldEVsZW1lbnRUeXBlJiYodC5kYXRhc2V0PW5ldyB0aGlzLmRhdGFzZXRFbGVtZW50VHlwZSl9YnVpbGRPclVwZGF0ZUVsZW1lbnRzKHQpe2NvbnN0IGU9dGhpcy5fY2FjaGVkTWV0YSxpPXRoaXMuZ2V0RGF0YXNldCgpO2xldCBzPSExO3RoaXMuX2RhdGFDaGVjaygpO2NvbnN0IG49ZS5fc3RhY2tlZDtlLl9zdGFja2VkPUlzKGUudlNjYWxlLGUpLGUuc3RhY2shPT1pLnN0YWNrJiYocz0hMCxOcyhlKSxlLnN0YWNrPWkuc3RhY2spLHRoaXMuX3Jlc3luY0VsZW1lbnRzKHQpLChzfHxuIT09ZS5fc3RhY2tlZCkmJihWcyh0aGlzLGUuX3BhcnNlZCksZS5fc3RhY2tlZD1JcyhlLnZTY2FsZSxlKSl9Y29uZmlndXJlKCl7Y29uc3QgdD10aGlzLmNoYXJ0LmNvbmZpZyxlPXQuZGF0YXNldFNjb3BlS2V5cyh0aGlzLl90eXBlKSxpPXQuZ2V0T3B0aW9uU2NvcGVzKHRoaXMuZ2V0RGF0YXNldCgpLGUsITApO3RoaXMub3B0aW9ucz10LmNyZWF0ZVJlc29sdmVyKGksdGhpcy5nZXRDb250ZXh0KCkpLHRoaXMuX3BhcnNpbmc9dGhpcy5vcHRpb25zLnBhcnNpbmcsdGhpcy5fY2FjaGVkRGF0YU9wdHM9e319cGFyc2UodCxlKXtjb25zdHtfY2FjaGVkTWV0YTppLF9kYXRhOnN9PXRoaXMse2lTY2FsZTphLF9zdGFja2VkOnJ9PWksbD1hLmF4aXM7bGV0IGgsYyxkLHU9MD09PXQmJmU9PT1zLmxlbmd0aHx8aS5fc29ydGVkLGY9dD4wJiZpLl9wYXJzZWRbdC0xXTtpZighMT09PXRoaXMuX3BhcnNpbmcpaS5fcGFyc2VkPXMsaS5fc29ydGVkPSEwLGQ9cztlbHNle2Q9bihzW3RdKT90aGlzLnBhcnNlQXJyYXlEYXRhKGkscyx0LGUpOm8oc1t0XSk/dGhpcy5wYXJzZU9iamVjdERhdGEoaSxzLHQsZSk6dGhpcy5wYXJzZVByaW1pdGl2ZURhdGEoaSxzLHQsZSk7Y29uc3QgYT0oKT0+bnVsbD09PWNbbF18fGYmJmNbbF08ZltsXTtmb3IoaD0wO2g8ZTsrK2gpaS5fcGFyc2VkW2grdF09Yz1kW2hdLHUmJihhKCkmJih1PSExKSxmPWMpO2kuX3NvcnRlZD11fXImJlZzKHRoaXMsZCl9cGFyc2VQcmltaXRpdmVEYXRhKHQsZSxpLHMpe2NvbnN0e2lTY2FsZTpuLHZTY2FsZTpvfT10LGE9bi5heGlzLHI9by5heGlzLGw9bi5nZXRMYWJlbHMoKSxoPW49PT1vLGM9bmV3IEFycmF5KHMpO2xldCBkLHUsZjtmb3IoZD0wLHU9cztkPHU7KytkKWY9ZCtpLGNbZF09e1thXTpofHxuLnBhcnNlKGxbZl0sZiksW3JdOm8ucGFyc2UoZVtmXSxmKX07cmV0dXJuIGN9cGFyc2VBcnJheURhdGEodCxlLGkscyl7Y29uc3R7eFNjYWxlOm4seVNjYWxlOm99PXQsYT1uZXcgQXJyYXkocyk7bGV0IHIsbCxoLGM7Zm9yKHI9MCxsPXM7cjxsOysrciloPXIraSxjPWVbaF0sYVtyXT17eDpuLnBhcnNlKGNbMF0saCkseTpvLnBhcnNlKGNbMV0saCl9O3JldHVybiBhfXBhcnNlT2JqZWN0RGF0YSh0LGUsaSxzKXtjb25zdHt4U2NhbGU6bix5U2NhbGU6b309dCx7eEF4aXNLZXk6YT0ieCIseUF4aXNLZXk6cj0ieSJ9PXRoaXMuX3BhcnNpbmcsbD1uZXcgQXJyYXkocyk7bGV0IGgsYyxkLHU7Zm9yKGg9MCxjPXM7aDxjOysraClkPWgraSx1PWVbZF0sbFtoXT17eDpuLnBhcnNlKE0odSxhKSxkKSx5Om8ucGFyc2UoTSh1LHIpLGQpfTtyZXR1cm4gbH1nZXRQYXJzZWQodCl7cmV0dXJuIHRoaXMuX2NhY2hlZE1ldGEuX3BhcnNlZFt0XX1nZXREYXRhRWxlbWVudCh0KXtyZXR1cm4gdGhpcy5fY2FjaGVkTWV0YS5kYXRhW3RdfWFwcGx5U3RhY2sodCxlLGkpe2NvbnN0IHM9dGhpcy5jaGFydCxuPXRoaXMuX2NhY2hlZE1ldGEsbz1lW3QuYXhpc107cmV0dXJuIFJzKHtrZXlzOkVzKHMsITApLHZhbHVlczplLl9zdGFja3NbdC5heGlzXS5fdmlzdWFsVmFsdWVzfSxvLG4uaW5kZXgse21vZGU6aX0pfXVwZGF0ZVJhbmdlRnJvbVBhcnNlZCh0LGUsaSxzKXtjb25zdCBuPWlbZS5heGlzXTtsZXQgbz1udWxsPT09bj9OYU46bjtjb25zdCBhPXMmJmkuX3N0YWNrc1tlLmF4aXNdO3MmJmEmJihzLnZhbHVlcz1hLG89UnMocyxuLHRoaXMuX2NhY2hlZE1ldGEuaW5kZXgpKSx0Lm1pbj1NYXRoLm1pbih0Lm1pbixvKSx0Lm1heD1NYXRoLm1heCh0Lm1heCxvKX1nZXRNaW5NYXgodCxlKXtjb25zdCBpPXRoaXMuX2NhY2hlZE1ldGEscz1pLl9wYXJzZWQsbj1pLl9zb3J0ZWQmJnQ9PT1pLmlTY2FsZSxvPXMubGVuZ3RoLHI9dGhpcy5fZ2V0T3RoZXJTY2FsZSh0KSxsPSgodCxlLGkpPT50JiYhZS5oaWRkZW4mJmUuX3N0YWNrZWQmJntrZXlzOkVzKGksITApLHZhbHVlczpudWxsfSkoZSxpLHRoaXMuY2hhcnQpLGg9e21pbjpOdW1iZXIuUE9TSVRJVkVfSU5GSU5JVFksbWF4Ok51bWJlci5ORUdBVElWRV9JTkZJTklUWX0se21pbjpjLG1heDpkfT1mdW5jdGlvbih0KXtjb25zdHttaW46ZSxtYXg6aSxtaW5EZWZpbmVkOnMsbWF4RGVmaW5lZDpufT10LmdldFVzZXJCb3VuZHMoKTtyZXR1cm57bWluOnM/ZTpOdW1iZXIuTkVHQVRJVkVfSU5GSU5JVFksbWF4Om4/aTpOdW1iZXIuUE9TSVRJVkVfSU5GSU5JVFl9fShyKTtsZXQgdSxmO2Z1bmN0aW9uIGcoKXtmPXNbdV07Y29uc3QgZT1mW3IuYXhpc107cmV0dXJuIWEoZlt0LmF4aXNdKXx8Yz5lfHxkPGV9Zm9yKHU9MDt1PG8mJihnKCl8fCh0aGlzLnVwZGF0ZVJhbmdlRnJvbVBhcnNlZChoLHQsZixsKSwhbikpOysrdSk7aWYobilmb3IodT1vLTE7dT49MDstLXUpaWYoIWcoKSl7dGhpcy51cGRhdGVSYW5nZUZyb21QYXJzZWQoaCx0LGYsbCk7YnJlYWt9cmV0dXJuIGh9Z2V0QWxsUGFyc2VkVmFsdWVzKHQpe2NvbnN0IGU9dGhpcy5fY2FjaGVkTWV0YS5fcGFyc2VkLGk9W107bGV0IHMsbixvO2ZvcihzPTAsbj1lLmxlbmd0aDtzPG47KytzKW89ZVtzXVt0LmF4aXNdLGEobykmJmkucHVzaChvKTtyZXR1cm4gaX1nZXRNYXhPdmVyZmxvdygpe3JldHVybiExfWdldExhYmVsQW5kVmFsdWUodCl7Y29uc3QgZT10aGlzLl9jYWNoZWRNZXRhLGk9ZS5pU2NhbGUscz1lLnZTY2FsZSxuPXRoaXMuZ2V0UGFyc2VkKHQpO3JldHVybntsYWJlbDppPyIiK2kuZ2V0TGFiZWxGb3JWYWx1ZShuW2kuYXhpc10pOiIiLHZhbHVlOnM/IiIrcy5nZXRMYWJlbEZvclZhbHVlKG5bcy5heGlzXSk6IiJ9fV91cGRhdGUodCl7Y29uc3QgZT10aGlzLl9jYWNoZWRNZXRhO3RoaXMudXBkYXRlKHR8fCJkZWZhdWx0IiksZS5fY2xpcD1mdW5jdGlvbih0KXtsZXQgZSxpLHMsbjtyZXR1cm4gbyh0KT8oZT10LnRvcCxpPXQucmlnaHQscz10LmJvdHRvbSxuPXQubGVmdCk6ZT1pPXM9bj10LHt0b3A6ZSxyaWdodDppLGJvdHRvbTpzLGxlZnQ6bixkaXNhYmxlZDohMT09PXR9fShsKHRoaXMub3B0aW9ucy5jbGlwLGZ1bmN0aW9uKHQsZSxpKXtpZighMT09PWkpcmV0dXJuITE7Y29uc3Qgcz1Mcyh0LGkpLG49THMoZSxpKTtyZXR1cm57dG9wOm4uZW5kLHJpZ2h0OnMuZW5kLGJvdHRvbTpuLnN0YXJ0LGxlZnQ6cy5zdGFydH19KGUueFNjYWxlLGUueVNjYWxlLHRoaXMuZ2V0TWF4T3ZlcmZsb3coKSkpKX11cGRhdGUodCl7fWRyYXcoKXtjb25zdCB0PXRoaXMuX2N0eCxlPXRoaXMuY2hhcnQsaT10aGlzLl9jYWNoZWRNZXRhLHM9aS5kYXRhfHxbXSxuPWUuY2hhcnRBcmVhLG89W10sYT10aGlzLl9kcmF3U3RhcnR8fDAscj10aGlzLl9kcmF3Q291bnR8fHMubGVuZ3RoLWEsbD10aGlzLm9wdGlvbnMuZHJhd0FjdGl2ZUVsZW1lbnRzT25Ub3A7bGV0IGg7Zm9yKGkuZGF0YXNldCYmaS5kYXRhc2V0LmRyYXcodCxuLGEsciksaD1hO2g8YStyOysraCl7Y29uc3QgZT1zW2hdO2UuaGlkZGVufHwoZS5hY3RpdmUmJmw/by5wdXNoKGUpOmUuZHJhdyh0LG4pKX1mb3IoaD0wO2g8by5sZW5ndGg7KytoKW9baF0uZHJhdyh0LG4pfWdldFN0eWxlKHQsZSl7Y29uc3QgaT1lPyJhY3RpdmUiOiJkZWZhdWx0IjtyZXR1cm4gdm9pZCAwPT09dCYmdGhpcy5fY2FjaGVkTWV0YS5kYXRhc2V0P3RoaXMucmVzb2x2ZURhdGFzZXRFbGVtZW50T3B0aW9ucyhpKTp0aGlzLnJlc29sdmVEYXRhRWxlbWVudE9wdGlvbnModHx8MCxpKX1nZXRDb250ZXh0KHQsZSxpKXtjb25zdCBzPXRoaXMuZ2V0RGF0YXNldCgpO2xldCBuO2lmKHQ+PTAmJnQ8dGhpcy5fY2FjaGVkTWV0YS5kYXRhLmxlbmd0aCl7Y29uc3QgZT10aGlzLl9jYWNoZWRNZXRhLmRhdGFbdF07bj1lLiRjb250ZXh0fHwoZS4kY29udGV4dD1mdW5jdGlvbih0LGUsaSl7cmV0dXJuIENpKHQse2FjdGl2ZTohMSxkYXRhSW5kZXg6ZSxwYXJzZWQ6dm9pZCAwLHJhdzp2b2lkIDAsZWxlbWVudDppLGluZGV4OmUsbW9kZToiZGVmYXVsdCIsdHlwZToiZGF0YSJ9KX0odGhpcy5nZXRDb250ZXh0KCksdCxlKSksbi5wYXJzZWQ9dGhpcy5nZXRQYXJzZWQodCksbi5yYXc9cy5kYXRhW3RdLG4uaW5kZXg9bi5kYXRhSW5kZXg9dH1lbHNlIG49dGhpcy4kY29udGV4dHx8KHRoaXMuJGNvbnRleHQ9ZnVuY3Rpb24odCxlKXtyZXR1cm4gQ2kodCx7YWN0aXZlOiExLGRhdGFzZXQ6dm9pZCAwLGRhdGFzZXRJbmRleDplLGluZGV4OmUsbW9kZToiZGVmYXVsdCIsdHlwZToiZGF0YXNldCJ9KX0odGhpcy5jaGFydC5nZXRDb250ZXh0KCksdGhpcy5pbmRleCkpLG4uZGF0YXNldD1zLG4uaW5kZXg9bi5kYXRhc2V0SW5kZXg9dGhpcy5pbmRleDtyZXR1cm4gbi5hY3RpdmU9ISFlLG4ubW9kZT1pLG59cmVzb2x2ZURhdGFzZXRFbGVtZW50T3B0aW9ucyh0KXtyZXR1cm4gdGhpcy5fcmVzb2x2ZUVsZW1lbnRPcHRpb25zKHRoaXMuZGF0YXNldEVsZW1lbnRUeXBlLmlkLHQpfXJlc29sdmVEYXRhRWxlbWVudE9wdGlvbnModCxlKXtyZXR1cm4gdGhpcy5fcmVzb2x2ZUVsZW1lbnRPcHRpb25zKHRoaXMuZGF0YUVsZW1lbnRUeXBlLmlkLGUsdCl9X3Jlc29sdmVFbGVtZW50T3B0aW9ucyh0LGU9ImRlZmF1bHQiLGkpe2NvbnN0IHM9ImFjdGl2ZSI9PT1lLG49dGhpcy5fY2FjaGVkRGF0YU9wdHMsbz10KyItIitlLGE9bltvXSxyPXRoaXMuZW5hYmxlT3B0aW9uU2hhcmluZyYmayhpKTtpZihhKXJldHVybiBIcyhhLHIpO2NvbnN0IGw9dGhpcy5jaGFydC5jb25maWcsaD1sLmRhdGFzZXRFbGVtZW50U2NvcGVLZXlzKHRoaXMuX3R5cGUsdCksYz1zP1tgJHt0fUhvdmVyYCwiaG92ZXIiLHQsIiJdOlt0LCIiXSxkPWwuZ2V0T3B0aW9uU2NvcGVzKHRoaXMuZ2V0RGF0YXNldCgpLGgpLHU9T2JqZWN0LmtleXModWUuZWxlbWVudHNbdF0pLGY9bC5yZXNvbHZlTmFtZWRPcHRpb25zKGQsdSwoKCk9PnRoaXMuZ2V0Q29udGV4dChpLHMsZSkpLGMpO3JldHVybiBmLiRzaGFyZWQmJihmLiRzaGFyZWQ9cixuW29dPU9iamVjdC5mcmVlemUoSHMoZixyKSkpLGZ9X3Jlc29sdmVBbmltYXRpb25zKHQsZSxpKXtjb25zdCBzPXRoaXMuY2hhcnQsbj10aGlzLl9jYWNoZWREYXRhT3B0cyxvPWBhbmltYXRpb24tJHtlfWAsYT1uW29dO2lmKGEpcmV0dXJuIGE7bGV0IHI7aWYoITEhPT1zLm9wdGlvbnMuYW5pbWF0aW9uKXtjb25zdCBzPXRoaXMuY2hhcnQuY29uZmlnLG49cy5kYXRhc2V0QW5pbWF0aW9uU2NvcGVLZXlzKHRoaXMuX3R5cGUsZSksbz1zLmdldE9wdGlvblNjb3Blcyh0aGlzLmdldERhdGFzZXQoKSxuKTtyPXMuY3JlYXRlUmVzb2x2ZXIobyx0aGlzLmdldENvbnRleHQodCxpLGUpKX1jb25zdCBsPW5ldyBUcyhzLHImJnIuYW5pbWF0aW9ucyk7cmV0dXJuIHImJnIuX2NhY2hlYWJsZSYmKG5bb109T2JqZWN0LmZyZWV6ZShsKSksbH1nZXRTaGFyZWRPcHRpb25zKHQpe2lmKHQuJHNoYXJlZClyZXR1cm4gdGhpcy5fc2hhcmVkT3B0aW9uc3x8KHRoaXMuX3NoYXJlZE9wdGlvbnM9T2JqZWN0LmFzc2lnbih7fSx0KSl9aW5jbHVkZU9wdGlvbnModCxlKXtyZXR1cm4hZXx8V3ModCl8fHRoaXMuY2hhcnQuX2FuaW1hdGlvbnNEaXNhYmxlZH1fZ2V0U2hhcmVkT3B0aW9ucyh0LGUpe2NvbnN0IGk9dGhpcy5yZXNvbHZlRGF0YUVsZW1lbnRPcHRpb25zKHQsZSkscz10aGlzLl9zaGFyZWRPcHRpb25zLG49dGhpcy5nZXRTaGFyZWRPcHRpb25zKGkpLG89dGhpcy5pbmNsdWRlT3B0aW9ucyhlLG4pfHxuIT09cztyZXR1cm4gdGhpcy51cGRhdGVTaGFyZWRPcHRpb25zKG4sZSxpKSx7c2hhcmVkT3B0aW9uczpuLGluY2x1ZGVPcHRpb25zOm99fXVwZGF0ZUVsZW1lbnQodCxlLGkscyl7V3Mocyk/T2JqZWN0LmFzc2lnbih0LGkpOnRoaXMuX3Jlc29sdmVBbmltYXRpb25zKGUscykudXBkYXRlKHQsaSl9dXBkYXRlU2hhcmVkT3B0aW9ucyh0LGUsaSl7dCYmIVdzKGUpJiZ0aGlzLl9yZXNvbHZlQW5pbWF0aW9ucyh2b2lkIDAsZSkudXBkYXRlKHQsaSl9X3NldFN0eWxlKHQsZSxpLHMpe3QuYWN0aXZlPXM7Y29uc3Qgbj10aGlzLmdldFN0eWxlKGUscyk7dGhpcy5fcmVzb2x2ZUFuaW1hdGlvbnMoZSxpLHMpLnVwZGF0ZSh0LHtvcHRpb25zOiFzJiZ0aGlzLmdldFNoYXJlZE9wdGlvbnMobil8fG59KX1yZW1vdmVIb3ZlclN0eWxlKHQsZSxpKXt0aGlzLl9zZXRTdHlsZSh0LGksImFjdGl2ZSIsITEpfXNldEhvdmVyU3R5bGUodCxlLGkpe3RoaXMuX3NldFN0eWxlKHQsaSwiYWN0aXZlIiwhMCl9X3JlbW92ZURhdGFzZXRIb3ZlclN0eWxlKCl7Y29uc3QgdD10aGlzLl9jYWNoZWRNZXRhLmRhdGFzZXQ7dCYmdGhpcy5fc2V0U3R5bGUodCx2b2lkIDAsImFjdGl2ZSIsITEpfV9zZXREYXRhc2V0SG92ZXJTdHlsZSgpe2NvbnN0IHQ9dGhpcy5fY2FjaGVkTWV0YS5kYXRhc2V0O3QmJnRoaXMuX3NldFN0eWxlKHQsdm9pZCAwLCJhY3RpdmUiLCEwKX1fcmVzeW5jRWxlbWVudHModCl7Y29uc3QgZT10aGlzLl9kYXRhLGk9dGhpcy5fY2FjaGVkTWV0YS5kYXRhO2Zvcihjb25zdFt0LGUsaV1vZiB0aGlzLl9zeW5jTGlzdCl0aGlzW3RdKGUsaSk7dGhpcy5fc3luY0xpc3Q9W107Y29uc3Qgcz1pLmxlbmd0aCxuPWUubGVuZ3RoLG89TWF0aC5taW4obixzKTtvJiZ0aGlzLnBhcnNlKDAsbyksbj5zP3RoaXMuX2luc2VydEVsZW1lbnRzKHMsbi1zLHQpOm48cyYmdGhpcy5fcmVtb3ZlRWxlbWVudHMobixzLW4pfV9pbnNlcnRFbGVtZW50cyh0LGUsaT0hMCl7Y29uc3Qgcz10aGlzLl9jYWNoZWRNZXRhLG49cy5kYXRhLG89dCtlO2xldCBhO2NvbnN0IHI9dD0+e2Zvcih0Lmxlbmd0aCs9ZSxhPXQubGVuZ3RoLTE7YT49bzthLS0pdFthXT10W2EtZV19O2ZvcihyKG4pLGE9dDthPG87KythKW5bYV09bmV3IHRoaXMuZGF0YUVsZW1lbnRUeXBlO3RoaXMuX3BhcnNpbmcmJnIocy5fcGFyc2VkKSx0aGlzLnBhcnNlKHQsZSksaSYmdGhpcy51cGRhdGVFbGVtZW50cyhuLHQsZSwicmVzZXQiKX11cGRhdGVFbGVtZW50cyh0LGUsaSxzKXt9X3JlbW92ZUVsZW1lbnRzKHQsZSl7Y29uc3QgaT10aGlzLl9jYWNoZWRNZXRhO2lmKHRoaXMuX3BhcnNpbmcpe2NvbnN0IHM9aS5fcGFyc2VkLnNwbGljZSh0LGUpO2kuX3N0YWNrZWQmJk5zKGkscyl9aS5kYXRhLnNwbGljZSh0LGUpfV9zeW5jKHQpe2lmKHRoaXMuX3BhcnNpbmcpdGhpcy5fc3luY0xpc3QucHVzaCh0KTtlbHNle2NvbnN0W2UsaSxzXT10O3RoaXNbZV0oaSxzKX10aGlzLmNoYXJ0Ll9kYXRhQ2hhbmdlcy5wdXNoKFt0aGlzLmluZGV4LC4uLnRdKX1fb25EYXRhUHVzaCgpe2NvbnN0IHQ9YXJndW1lbnRzLmxlbmd0aDt0aGlzLl9zeW5jKFsiX2luc2VydEVsZW1lbnRzIix0aGlzLmdldERhdGFzZXQoKS5kYXRhLmxlbmd0aC10LHRdKX1fb25EYXRhUG9wKCl7dGhpcy5fc3luYyhbIl9yZW1vdmVFbGVtZW50cyIsdGhpcy5fY2FjaGVkTWV0YS5kYXRhLmxlbmd0aC0xLDFdKX1fb25EYXRhU2hpZnQoKXt0aGlzLl9zeW5jKFsiX3JlbW92ZUVsZW1lbnRzIiwwLDFdKX1fb25EYXRhU3BsaWNlKHQsZSl7ZSYmdGhpcy5fc3luYyhbIl9yZW1vdmVFbGVtZW50cyIsdCxlXSk7Y29uc3QgaT1hcmd1bWVudHMubGVuZ3RoLTI7aSYmdGhpcy5fc3luYyhbIl9pbnNlcnRFbGVtZW50cyIsdCxpXSl9X29uRGF0YVVuc2hpZnQoKXt0aGlzLl9zeW5jKFsiX2luc2VydEVsZW1lbnRzIiwwLGFyZ3VtZW50cy5sZW5ndGhdKX19Y2xhc3MgJHN7c3RhdGljIGRlZmF1bHRzPXt9O3N0YXRpYyBkZWZhdWx0Um91dGVzPXZvaWQgMDt4O3k7YWN0aXZlPSExO29wdGlvbnM7JGFuaW1hdGlvbnM7dG9vbHRpcFBvc2l0aW9uKHQpe2NvbnN0e3g6ZSx5Oml9PXRoaXMuZ2V0UHJvcHMoWyJ4IiwieSJdLHQpO3JldHVybnt4OmUseTppfX1oYXNWYWx1ZSgpe3JldHVybiBXKHRoaXMueCkmJlcodGhpcy55KX1nZXRQcm9wcyh0LGUpe2NvbnN0IGk9dGhpcy4kYW5pbWF0aW9ucztpZighZXx8IWkpcmV0dXJuIHRoaXM7Y29uc3Qgcz17fTtyZXR1cm4gdC5mb3JFYWNoKCh0PT57c1t0XT1pW3RdJiZpW3RdLmFjdGl2ZSgpP2lbdF0uX3RvOnRoaXNbdF19KSksc319ZnVuY3Rpb24gWXModCxlKXtjb25zdCBpPXQub3B0aW9ucy50aWNrcyxuPWZ1bmN0aW9uKHQpe2NvbnN0IGU9dC5vcHRpb25zLm9mZnNldCxpPXQuX3RpY2tTaXplKCkscz10Ll9sZW5ndGgvaSsoZT8wOjEpLG49dC5fbWF4TGVuZ3RoL2k7cmV0dXJuIE1hdGguZmxvb3IoTWF0aC5taW4ocyxuKSl9KHQpLG89TWF0aC5taW4oaS5tYXhUaWNrc0xpbWl0fHxuLG4pLGE9aS5tYWpvci5lbmFibGVkP2Z1bmN0aW9uKHQpe2NvbnN0IGU9W107bGV0IGkscztmb3IoaT0wLHM9dC5sZW5ndGg7aTxzO2krKyl0W2ldLm1ham9yJiZlLnB1c2goaSk7cmV0dXJuIGV9KGUpOltdLHI9YS5sZW5ndGgsbD1hWzBdLGg9YVtyLTFdLGM9W107aWYocj5vKXJldHVybiBmdW5jdGlvbih0LGUsaSxzKXtsZXQgbixvPTAsYT1pWzBdO2ZvcihzPU1hdGguY2VpbChzKSxuPTA7bjx0Lmxlbmd0aDtuKyspbj09PWEmJihlLnB1c2godFtuXSksbysrLGE9aVtvKnNdKX0oZSxjLGEsci9vKSxjO2NvbnN0IGQ9ZnVuY3Rpb24odCxlLGkpe2NvbnN0IHM9ZnVuY3Rpb24odCl7Y29uc3QgZT10Lmxlbmd0aDtsZXQgaSxzO2lmKGU8MilyZXR1cm4hMTtmb3Iocz10WzBdLGk9MTtpPGU7KytpKWlmKHRbaV0tdFtpLTFdIT09cylyZXR1cm4hMTtyZXR1cm4gc30odCksbj1lLmxlbmd0aC9pO2lmKCFzKXJldHVybiBNYXRoLm1heChuLDEpO2NvbnN0IG89TihzKTtmb3IobGV0IHQ9MCxlPW8ubGVuZ3RoLTE7dDxlO3QrKyl7Y29uc3QgZT1vW3RdO2lmKGU+bilyZXR1cm4gZX1yZXR1cm4gTWF0aC5tYXgobiwxKX0oYSxlLG8pO2lmKHI+MCl7bGV0IHQsaTtjb25zdCBuPXI+MT9NYXRoLnJvdW5kKChoLWwpLyhyLTEpKTpudWxsO2ZvcihVcyhlLGMsZCxzKG4pPzA6bC1uLGwpLHQ9MCxpPXItMTt0PGk7dCsrKVVzKGUsYyxkLGFbdF0sYVt0KzFdKTtyZXR1cm4gVXMoZSxjLGQsaCxzKG4pP2UubGVuZ3RoOmgrbiksY31yZXR1cm4gVXMoZSxjLGQpLGN9ZnVuY3Rpb24gVXModCxlLGkscyxuKXtjb25zdCBvPWwocywwKSxhPU1hdGgubWluKGwobix0Lmxlbmd0aCksdC5sZW5ndGgpO2xldCByLGgsYyxkPTA7Zm9yKGk9TWF0aC5jZWlsKGkpLG4mJihyPW4tcyxpPXIvTWF0aC5mbG9vcihyL2kpKSxjPW87YzwwOylkKyssYz1NYXRoLnJvdW5kKG8rZCppKTtmb3IoaD1NYXRoLm1heChvLDApO2g8YTtoKyspaD09PWMmJihlLnB1c2godFtoXSksZCsrLGM9TWF0aC5yb3VuZChvK2QqaSkpfWNvbnN0IFhzPSh0LGUsaSk9PiJ0b3AiPT09ZXx8ImxlZnQiPT09ZT90W2VdK2k6dFtlXS1pLHFzPSh0LGUpPT5NYXRoLm1pbihlfHx0LHQpO2Z1bmN0aW9uIEtzKHQsZSl7Y29uc3QgaT1bXSxzPXQubGVuZ3RoL2Usbj10Lmxlbmd0aDtsZXQgbz0wO2Zvcig7bzxuO28rPXMpaS5wdXNoKHRbTWF0aC5mbG9vcihvKV0pO3JldHVybiBpfWZ1bmN0aW9uIEdzKHQsZSxpKXtjb25zdCBzPXQudGlja3MubGVuZ3RoLG49TWF0aC5taW4oZSxzLTEpLG89dC5fc3RhcnRQaXhlbCxhPXQuX2VuZFBpeGVsLHI9MWUtNjtsZXQgbCxoPXQuZ2V0UGl4ZWxGb3JUaWNrKG4pO2lmKCEoaSYmKGw9MT09PXM/TWF0aC5tYXgoaC1vLGEtaCk6MD09PWU/KHQuZ2V0UGl4ZWxGb3JUaWNrKDEpLWgpLzI6KGgtdC5nZXRQaXhlbEZvclRpY2sobi0xKSkvMixoKz1uPGU/bDotbCxoPG8tcnx8aD5hK3IpKSlyZXR1cm4gaH1mdW5jdGlvbiBKcyh0KXtyZXR1cm4gdC5kcmF3VGlja3M/dC50aWNrTGVuZ3RoOjB9ZnVuY3Rpb24gWnModCxlKXtpZighdC5kaXNwbGF5KXJldHVybiAwO2NvbnN0IGk9U2kodC5mb250LGUpLHM9a2kodC5wYWRkaW5nKTtyZXR1cm4obih0LnRleHQpP3QudGV4dC5sZW5ndGg6MSkqaS5saW5lSGVpZ2h0K3MuaGVpZ2h0fWZ1bmN0aW9uIFFzKHQsZSxpKXtsZXQgcz11dCh0KTtyZXR1cm4oaSYmInJpZ2h0IiE9PWV8fCFpJiYicmlnaHQiPT09ZSkmJihzPSh0PT4ibGVmdCI9PT10PyJyaWdodCI6InJpZ2h0Ij09PXQ/ImxlZnQiOnQpKHMpKSxzfWNsYXNzIHRuIGV4dGVuZHMgJHN7Y29uc3RydWN0b3IodCl7c3VwZXIoKSx0aGlzLmlkPXQuaWQsdGhpcy50eXBlPXQudHlwZSx0aGlzLm9wdGlvbnM9dm9pZCAwLHRoaXMuY3R4PXQuY3R4LHRoaXMuY2hhcnQ9dC5jaGFydCx0aGlzLnRvcD12b2lkIDAsdGhpcy5ib3R0b209dm9pZCAwLHRoaXMubGVmdD12b2lkIDAsdGhpcy5yaWdodD12b2lkIDAsdGhpcy53aWR0aD12b2lkIDAsdGhpcy5oZWlnaHQ9dm9pZCAwLHRoaXMuX21hcmdpbnM9e2xlZnQ6MCxyaWdodDowLHRvcDowLGJvdHRvbTowfSx0aGlzLm1heFdpZHRoPXZvaWQgMCx0aGlzLm1heEhlaWdodD12b2lkIDAsdGhpcy5wYWRkaW5nVG9wPXZvaWQgMCx0aGlzLnBhZGRpbmdCb3R0b209dm9pZCAwLHRoaXMucGFkZGluZ0xlZnQ9dm9pZCAwLHRoaXMucGFkZGluZ1JpZ2h0PXZvaWQgMCx0aGlzLmF4aXM9dm9pZCAwLHRoaXMubGFiZWxSb3RhdGlvbj12b2lkIDAsdGhpcy5taW49dm9pZCAwLHRoaXMubWF4PXZvaWQgMCx0aGlzLl9yYW5nZT12b2lkIDAsdGhpcy50aWNrcz1bXSx0aGlzLl9ncmlkTGluZUl0ZW1zPW51bGwsdGhpcy5fbGFiZWxJdGVtcz1udWxsLHRoaXMuX2xhYmVsU2l6ZXM9bnVsbCx0aGlzLl9sZW5ndGg9MCx0aGlzLl9tYXhMZW5ndGg9MCx0aGlzLl9sb25nZXN0VGV4dENhY2hlPXt9LHRoaXMuX3N0YXJ0UGl4ZWw9dm9pZCAwLHRoaXMuX2VuZFBpeGVsPXZvaWQgMCx0aGlzLl9yZXZlcnNlUGl4ZWxzPSExLHRoaXMuX3VzZXJNYXg9dm9pZCAwLHRoaXMuX3VzZXJNaW49dm9pZCAwLHRoaXMuX3N1Z2dlc3RlZE1heD12b2lkIDAsdGhpcy5fc3VnZ2VzdGVkTWluPXZvaWQgMCx0aGlzLl90aWNrc0xlbmd0aD0wLHRoaXMuX2JvcmRlclZhbHVlPTAsdGhpcy5fY2FjaGU9e30sdGhpcy5fZGF0YUxpbWl0c0NhY2hlZD0hMSx0aGlzLiRjb250ZXh0PXZvaWQgMH1pbml0KHQpe3RoaXMub3B0aW9ucz10LnNldENvbnRleHQodGhpcy5nZXRDb250ZXh0KCkpLHRoaXMuYXhpcz10LmF4aXMsdGhpcy5fdXNlck1pbj10aGlzLnBhcnNlKHQubWluKSx0aGlzLl91c2VyTWF4PXRoaXMucGFyc2UodC5tYXgpLHRoaXMuX3N1Z2dlc3RlZE1pbj10aGlzLnBhcnNlKHQuc3VnZ2VzdGVkTWluKSx0aGlzLl9zdWdnZXN0ZWRNYXg9dGhpcy5wYXJzZSh0LnN1Z2dlc3RlZE1heCl9cGFyc2UodCxlKXtyZXR1cm4gdH1nZXRVc2VyQm91bmRzKCl7bGV0e191c2VyTWluOnQsX3VzZXJNYXg6ZSxfc3VnZ2VzdGVkTWluOmksX3N1Z2dlc3RlZE1heDpzfT10aGlzO3JldHVybiB0PXIodCxOdW1iZXIuUE9TSVRJVkVfSU5GSU5JVFkpLGU9cihlLE51bWJlci5ORUdBVElWRV9JTkZJTklUWSksaT1yKGksTnVtYmVyLlBPU0lUSVZFX0lORklOSVRZKSxzPXIocyxOdW1iZXIuTkVHQVRJVkVfSU5GSU5JVFkpLHttaW46cih0LGkpLG1heDpyKGUscyksbWluRGVmaW5lZDphKHQpLG1heERlZmluZWQ6YShlKX19Z2V0TWluTWF4KHQpe2xldCBlLHttaW46aSxtYXg6cyxtaW5EZWZpbmVkOm4sbWF4RGVmaW5lZDpvfT10aGlzLmdldFVzZXJCb3VuZHMoKTtpZihuJiZvKXJldHVybnttaW46aSxtYXg6c307Y29uc3QgYT10aGlzLmdldE1hdGNoaW5nVmlzaWJsZU1ldGFzKCk7Zm9yKGxldCByPTAsbD1hLmxlbmd0aDtyPGw7KytyKWU9YVtyXS5jb250cm9sbGVyLmdldE1pbk1heCh0aGlzLHQpLG58fChpPU1hdGgubWluKGksZS5taW4pKSxvfHwocz1NYXRoLm1heChzLGUubWF4KSk7cmV0dXJuIGk9byYmaT5zP3M6aSxzPW4mJmk+cz9pOnMse21pbjpyKGkscihzLGkpKSxtYXg6cihzLHIoaSxzKSl9fWdldFBhZGRpbmcoKXtyZXR1cm57bGVmdDp0aGlzLnBhZGRpbmdMZWZ0fHwwLHRvcDp0aGlzLnBhZGRpbmdUb3B8fDAscmlnaHQ6dGhpcy5wYWRkaW5nUmlnaHR8fDAsYm90dG9tOnRoaXMucGFkZGluZ0JvdHRvbXx8MH19Z2V0VGlja3MoKXtyZXR1cm4gdGhpcy50aWNrc31nZXRMYWJlbHMoKXtjb25zdCB0PXRoaXMuY2hhcnQuZGF0YTtyZXR1cm4gdGhpcy5vcHRpb25zLmxhYmVsc3x8KHRoaXMuaXNIb3Jpem9udGFsKCk/dC54TGFiZWxzOnQueUxhYmVscyl8fHQubGFiZWxzfHxbXX1nZXRMYWJlbEl0ZW1zKHQ9dGhpcy5jaGFydC5jaGFydEFyZWEpe3JldHVybiB0aGlzLl9sYWJlbEl0ZW1zfHwodGhpcy5fbGFiZWxJdGVtcz10aGlzLl9jb21wdXRlTGFiZWxJdGVtcyh0KSl9YmVmb3JlTGF5b3V0KCl7dGhpcy5fY2FjaGU9e30sdGhpcy5fZGF0YUxpbWl0c0NhY2hlZD0hMX1iZWZvcmVVcGRhdGUoKXtkKHRoaXMub3B0aW9ucy5iZWZvcmVVcGRhdGUsW3RoaXNdKX11cGRhdGUodCxlLGkpe2NvbnN0e2JlZ2luQXRaZXJvOnMsZ3JhY2U6bix0aWNrczpvfT10aGlzLm9wdGlvbnMsYT1vLnNhbXBsZVNpemU7dGhpcy5iZWZvcmVVcGRhdGUoKSx0aGlzLm1heFdpZHRoPXQsdGhpcy5tYXhIZWlnaHQ9ZSx0aGlzLl9tYXJnaW5zPWk9T2JqZWN0LmFzc2lnbih7bGVmdDowLHJpZ2h0OjAsdG9wOjAsYm90dG9tOjB9LGkpLHRoaXMudGlja3M9bnVsbCx0aGlzLl9sYWJlbFNpemVzPW51bGwsdGhpcy5fZ3JpZExpbmVJdGVtcz1udWxsLHRoaXMuX2xhYmVsSXRlbXM9bnVsbCx0aGlzLmJlZm9yZVNldERpbWVuc2lvbnMoKSx0aGlzLnNldERpbWVuc2lvbnMoKSx0aGlzLmFmdGVyU2V0RGltZW5zaW9ucygpLHRoaXMuX21heExlbmd0aD10aGlzLmlzSG9yaXpvbnRhbCgpP3RoaXMud2lkdGgraS5sZWZ0K2kucmlnaHQ6dGhpcy5oZWlnaHQraS50b3AraS5ib3R0b20sdGhpcy5fZGF0YUxpbWl0c0NhY2hlZHx8KHRoaXMuYmVmb3JlRGF0YUxpbWl0cygpLHRoaXMuZGV0ZXJtaW5lRGF0YUxpbWl0cygpLHRoaXMuYWZ0ZXJEYXRhTGltaXRzKCksdGhpcy5fcmFuZ2U9RGkodGhpcyxuLHMpLHRoaXMuX2RhdGFMaW1pdHNDYWNoZWQ9ITApLHRoaXMuYmVmb3JlQnVpbGRUaWNrcygpLHRoaXMudGlja3M9dGhpcy5idWlsZFRpY2tzKCl8fFtdLHRoaXMuYWZ0ZXJCdWlsZFRpY2tzKCk7Y29uc3Qgcj1hPHRoaXMudGlja3MubGVuZ3RoO3RoaXMuX2NvbnZlcnRUaWNrc1RvTGFiZWxzKHI/S3ModGhpcy50aWNrcyxhKTp0aGlzLnRpY2tzKSx0aGlzLmNvbmZpZ3VyZSgpLHRoaXMuYmVmb3JlQ2FsY3VsYXRlTGFiZWxSb3RhdGlvbigpLHRoaXMuY2FsY3VsYXRlTGFiZWxSb3RhdGlvbigpLHRoaXMuYWZ0ZXJDYWxjdWxhdGVMYWJlbFJvdGF0aW9uKCksby5kaXNwbGF5JiYoby5hdXRvU2tpcHx8ImF1dG8iPT09by5zb3VyY2UpJiYodGhpcy50aWNrcz1Zcyh0aGlzLHRoaXMudGlja3MpLHRoaXMuX2xhYmVsU2l6ZXM9bnVsbCx0aGlzLmFmdGVyQXV0b1NraXAoKSksciYmdGhpcy5fY29udmVydFRpY2tzVG9MYWJlbHModGhpcy50aWNrcyksdGhpcy5iZWZvcmVGaXQoKSx0aGlzLmZpdCgpLHRoaXMuYWZ0ZXJGaXQoKSx0aGlzLmFmdGVyVXBkYXRlKCl9Y29uZmlndXJlKCl7bGV0IHQsZSxpPXRoaXMub3B0aW9ucy5yZXZlcnNlO3RoaXMuaXNIb3Jpem9udGFsKCk/KHQ9dGhpcy5sZWZ0LGU9dGhpcy5yaWdodCk6KHQ9dGhpcy50b3AsZT10aGlzLmJvdHRvbSxpPSFpKSx0aGlzLl9zdGFydFBpeGVsPXQsdGhpcy5fZW5kUGl4ZWw9ZSx0aGlzLl9yZXZlcnNlUGl4ZWxzPWksdGhpcy5fbGVuZ3RoPWUtdCx0aGlzLl9hbGlnblRvUGl4ZWxzPXRoaXMub3B0aW9ucy5hbGlnblRvUGl4ZWxzfWFmdGVyVXBkYXRlKCl7ZCh0aGlzLm9wdGlvbnMuYWZ0ZXJVcGRhdGUsW3RoaXNdKX1iZWZvcmVTZXREaW1lbnNpb25zKCl7ZCh0aGlzLm9wdGlvbnMuYmVmb3JlU2V0RGltZW5zaW9ucyxbdGhpc10pfXNldERpbWVuc2lvbnMoKXt0aGlzLmlzSG9yaXpvbnRhbCgpPyh0aGlzLndpZHRoPXRoaXMubWF4V2lkdGgsdGhpcy5sZWZ0PTAsdGhpcy5yaWdodD10aGlzLndpZHRoKToodGhpcy5oZWlnaHQ9dGhpcy5tYXhIZWlnaHQsdGhpcy50b3A9MCx0aGlzLmJvdHRvbT10aGlzLmhlaWdodCksdGhpcy5wYWRkaW5nTGVmdD0wLHRoaXMucGFkZGluZ1RvcD0wLHRoaXMucGFkZGluZ1JpZ2h0PTAsdGhpcy5wYWRkaW5nQm90dG9tPTB9YWZ0ZXJTZXREaW1lbnNpb25zKCl7ZCh0aGlzLm9wdGlvbnMuYWZ0ZXJTZXREaW1lbnNpb25zLFt0aGlzXSl9X2NhbGxIb29rcyh0KXt0aGlzLmNoYXJ0Lm5vdGlmeVBsdWdpbnModCx0aGlzLmdldENvbnRleHQoKSksZCh0aGlzLm9wdGlvbnNbdF0sW3RoaXNdKX1iZWZvcmVEYXRhTGltaXRzKCl7dGhpcy5fY2FsbEhvb2tzKCJiZWZvcmVEYXRhTGltaXRzIil9ZGV0ZXJtaW5lRGF0YUxpbWl0cygpe31hZnRlckRhdGFMaW1pdHMoKXt0aGlzLl9jYWxsSG9va3MoImFmdGVyRGF0YUxpbWl0cyIpfWJlZm9yZUJ1aWxkVGlja3MoKXt0aGlzLl9jYWxsSG9va3MoImJlZm9yZUJ1aWxkVGlja3MiKX1idWlsZFRpY2tzKCl7cmV0dXJuW119YWZ0ZXJCdWlsZFRpY2tzKCl7dGhpcy5fY2FsbEhvb2tzKCJhZnRlckJ1aWxkVGlja3MiKX1iZWZvcmVUaWNrVG9MYWJlbENvbnZlcnNpb24oKXtkKHRoaXMub3B0aW9ucy5iZWZvcmVUaWNrVG9MYWJlbENvbnZlcnNpb24sW3RoaXNdKX1nZW5lcmF0ZVRpY2tMYWJlbHModCl7Y29uc3QgZT10aGlzLm9wdGlvbnMudGlja3M7bGV0IGkscyxuO2ZvcihpPTAscz10Lmxlbmd0aDtpPHM7aSsrKW49dFtpXSxuLmxhYmVsPWQoZS5jYWxsYmFjayxbbi52YWx1ZSxpLHRdLHRoaXMpfWFmdGVyVGlja1RvTGFiZWxDb252ZXJzaW9uKCl7ZCh0aGlzLm9wdGlvbnMuYWZ0ZXJUaWNrVG9MYWJlbENvbnZlcnNpb24sW3RoaXNdKX1iZWZvcmVDYWxjdWxhdGVMYWJlbFJvdGF0aW9uKCl7ZCh0aGlzLm9wdGlvbnMuYmVmb3JlQ2FsY3VsYXRlTGFiZWxSb3RhdGlvbixbdGhpc10pfWNhbGN1bGF0ZUxhYmVsUm90YXRpb24oKXtjb25zdCB0PXRoaXMub3B0aW9ucyxlPXQudGlja3MsaT1xcyh0aGlzLnRpY2tzLmxlbmd0aCx0LnRpY2tzLm1heFRpY2tzTGltaXQpLHM9ZS5taW5Sb3RhdGlvbnx8MCxuPWUubWF4Um90YXRpb247bGV0IG8sYSxyLGw9cztpZighdGhpcy5faXNWaXNpYmxlKCl8fCFlLmRpc3BsYXl8fHM+PW58fGk8PTF8fCF0aGlzLmlzSG9yaXpvbnRhbCgpKXJldHVybiB2b2lkKHRoaXMubGFiZWxSb3RhdGlvbj1zKTtjb25zdCBoPXRoaXMuX2dldExhYmVsU2l6ZXMoKSxjPWgud2lkZXN0LndpZHRoLGQ9aC5oaWdoZXN0LmhlaWdodCx1PVoodGhpcy5jaGFydC53aWR0aC1jLDAsdGhpcy5tYXhXaWR0aCk7bz10Lm9mZnNldD90aGlzLm1heFdpZHRoL2k6dS8oaS0xKSxjKzY+byYmKG89dS8oaS0odC5vZmZzZXQ/LjU6MSkpLGE9dGhpcy5tYXhIZWlnaHQtSnModC5ncmlkKS1lLnBhZGRpbmctWnModC50aXRsZSx0aGlzLmNoYXJ0Lm9wdGlvbnMuZm9udCkscj1NYXRoLnNxcnQoYypjK2QqZCksbD1ZKE1hdGgubWluKE1hdGguYXNpbihaKChoLmhpZ2hlc3QuaGVpZ2h0KzYpL28sLTEsMSkpLE1hdGguYXNpbihaKGEvciwtMSwxKSktTWF0aC5hc2luKFooZC9yLC0xLDEpKSkpLGw9TWF0aC5tYXgocyxNYXRoLm1pbihuLGwpKSksdGhpcy5sYWJlbFJvdGF0aW9uPWx9YWZ0ZXJDYWxjdWxhdGVMYWJlbFJvdGF0aW9uKCl7ZCh0aGlzLm9wdGlvbnMuYWZ0ZXJDYWxjdWxhdGVMYWJlbFJvdGF0aW9uLFt0aGlzXSl9YWZ0ZXJBdXRvU2tpcCgpe31iZWZvcmVGaXQoKXtkKHRoaXMub3B0aW9ucy5iZWZvcmVGaXQsW3RoaXNdKX1maXQoKXtjb25zdCB0PXt3aWR0aDowLGhlaWdodDowfSx7Y2hhcnQ6ZSxvcHRpb25zOnt0aWNrczppLHRpdGxlOnMsZ3JpZDpufX09dGhpcyxvPXRoaXMuX2lzVmlzaWJsZSgpLGE9dGhpcy5pc0hvcml6b250YWwoKTtpZihvKXtjb25zdCBvPVpzKHMsZS5vcHRpb25zLmZvbnQpO2lmKGE/KHQud2lkdGg9dGhpcy5tYXhXaWR0aCx0LmhlaWdodD1KcyhuKStvKToodC5oZWlnaHQ9dGhpcy5tYXhIZWlnaHQsdC53aWR0aD1KcyhuKStvKSxpLmRpc3BsYXkmJnRoaXMudGlja3MubGVuZ3RoKXtjb25zdHtmaXJzdDplLGxhc3Q6cyx3aWRlc3Q6bixoaWdoZXN0Om99PXRoaXMuX2dldExhYmVsU2l6ZXMoKSxyPTIqaS5wYWRkaW5nLGw9JCh0aGlzLmxhYmVsUm90YXRpb24pLGg9TWF0aC5jb3MobCksYz1NYXRoLnNpbihsKTtpZihhKXtjb25zdCBlPWkubWlycm9yPzA6YypuLndpZHRoK2gqby5oZWlnaHQ7dC5oZWlnaHQ9TWF0aC5taW4odGhpcy5tYXhIZWlnaHQsdC5oZWlnaHQrZStyKX1lbHNle2NvbnN0IGU9aS5taXJyb3I/MDpoKm4ud2lkdGgrYypvLmhlaWdodDt0LndpZHRoPU1hdGgubWluKHRoaXMubWF4V2lkdGgsdC53aWR0aCtlK3IpfXRoaXMuX2NhbGN1bGF0ZVBhZGRpbmcoZSxzLGMsaCl9fXRoaXMuX2hhbmRsZU1hcmdpbnMoKSxhPyh0aGlzLndpZHRoPXRoaXMuX2xlbmd0aD1lLndpZHRoLXRoaXMuX21hcmdpbnMubGVmdC10aGlzLl9tYXJnaW5zLnJpZ2h0LHRoaXMuaGVpZ2h0PXQuaGVpZ2h0KToodGhpcy53aWR0aD10LndpZHRoLHRoaXMuaGVpZ2h0PXRoaXMuX2xlbmd0aD1lLmhlaWdodC10aGlzLl9tYXJnaW5zLnRvcC10aGlzLl9tYXJnaW5zLmJvdHRvbSl9X2NhbGN1bGF0ZVBhZGRpbmcodCxlLGkscyl7Y29uc3R7dGlja3M6e2FsaWduOm4scGFkZGluZzpvfSxwb3NpdGlvbjphfT10aGlzLm9wdGlvbnMscj0wIT09dGhpcy5sYWJlbFJvdGF0aW9uLGw9InRvcCIhPT1hJiYieCI9PT10aGlzLmF4aXM7aWYodGhpcy5pc0hvcml6b250YWwoKSl7Y29uc3QgYT10aGlzLmdldFBpeGVsRm9yVGljaygwKS10aGlzLmxlZnQsaD10aGlzLnJpZ2h0LXRoaXMuZ2V0UGl4ZWxGb3JUaWNrKHRoaXMudGlja3MubGVuZ3RoLTEpO2xldCBjPTAsZD0wO3I/bD8oYz1zKnQud2lkdGgsZD1pKmUuaGVpZ2h0KTooYz1pKnQuaGVpZ2h0LGQ9cyplLndpZHRoKToic3RhcnQiPT09bj9kPWUud2lkdGg6ImVuZCI9PT1uP2M9dC53aWR0aDoiaW5uZXIiIT09biYmKGM9dC53aWR0aC8yLGQ9ZS53aWR0aC8yKSx0aGlzLnBhZGRpbmdMZWZ0PU1hdGgubWF4KChjLWErbykqdGhpcy53aWR0aC8odGhpcy53aWR0aC1hKSwwKSx0aGlzLnBhZGRpbmdSaWdodD1NYXRoLm1heCgoZC1oK28pKnRoaXMud2lkdGgvKHRoaXMud2lkdGgtaCksMCl9ZWxzZXtsZXQgaT1lLmhlaWdodC8yLHM9dC5oZWlnaHQvMjsic3RhcnQiPT09bj8oaT0wLHM9dC5oZWlnaHQpOiJlbmQiPT09biYmKGk9ZS5oZWlnaHQscz0wKSx0aGlzLnBhZGRpbmdUb3A9aStvLHRoaXMucGFkZGluZ0JvdHRvbT1zK299fV9oYW5kbGVNYXJnaW5zKCl7dGhpcy5fbWFyZ2lucyYmKHRoaXMuX21hcmdpbnMubGVmdD1NYXRoLm1heCh0aGlzLnBhZGRpbmdMZWZ0LHRoaXMuX21hcmdpbnMubGVmdCksdGhpcy5fbWFyZ2lucy50b3A9TWF0aC5tYXgodGhpcy5wYWRkaW5nVG9wLHRoaXMuX21hcmdpbnMudG9wKSx0aGlzLl9tYXJnaW5zLnJpZ2h0PU1hdGgubWF4KHRoaXMucGFkZGluZ1JpZ2h0LHRoaXMuX21hcmdpbnMucmlnaHQpLHRoaXMuX21hcmdpbnMuYm90dG9tPU1hdGgubWF4KHRoaXMucGFkZGluZ0JvdHRvbSx0aGlzLl9tYXJnaW5zLmJvdHRvbSkpfWFmdGVyRml0KCl7ZCh0aGlzLm9wdGlvbnMuYWZ0ZXJGaXQsW3RoaXNdKX1pc0hvcml6b250YWwoKXtjb25zdHtheGlzOnQscG9zaXRpb246ZX09dGhpcy5vcHRpb25zO3JldHVybiJ0b3AiPT09ZXx8ImJvdHRvbSI9PT1lfHwieCI9PT10fWlzRnVsbFNpemUoKXtyZXR1cm4gdGhpcy5vcHRpb25zLmZ1bGxTaXplfV9jb252ZXJ0VGlja3NUb0xhYmVscyh0KXtsZXQgZSxpO2Zvcih0aGlzLmJlZm9yZVRpY2tUb0xhYmVsQ29udmVyc2lvbigpLHRoaXMuZ2VuZXJhdGVUaWNrTGFiZWxzKHQpLGU9MCxpPXQubGVuZ3RoO2U8aTtlKyspcyh0W2VdLmxhYmVsKSYmKHQuc3BsaWNlKGUsMSksaS0tLGUtLSk7dGhpcy5hZnRlclRpY2tUb0xhYmVsQ29udmVyc2lvbigpfV9nZXRMYWJlbFNpemVzKCl7bGV0IHQ9dGhpcy5fbGFiZWxTaXplcztpZighdCl7Y29uc3QgZT10aGlzLm9wdGlvbnMudGlja3Muc2FtcGxlU2l6ZTtsZXQgaT10aGlzLnRpY2tzO2U8aS5sZW5ndGgmJihpPUtzKGksZSkpLHRoaXMuX2xhYmVsU2l6ZXM9dD10aGlzLl9jb21wdXRlTGFiZWxTaXplcyhpLGkubGVuZ3RoLHRoaXMub3B0aW9ucy50aWNrcy5tYXhUaWNrc0xpbWl0KX1yZXR1cm4gdH1fY29tcHV0ZUxhYmVsU2l6ZXModCxlLGkpe2NvbnN0e2N0eDpvLF9sb25nZXN0VGV4dENhY2hlOmF9PXRoaXMscj1bXSxsPVtdLGg9TWF0aC5mbG9vcihlL3FzKGUsaSkpO2xldCBjLGQsZixnLHAsbSx4LGIsXyx5LHYsTT0wLHc9MDtmb3IoYz0wO2M8ZTtjKz1oKXtpZihnPXRbY10ubGFiZWwscD10aGlzLl9yZXNvbHZlVGlja0ZvbnRPcHRpb25zKGMpLG8uZm9udD1tPXAuc3RyaW5nLHg9YVttXT1hW21dfHx7ZGF0YTp7fSxnYzpbXX0sYj1wLmxpbmVIZWlnaHQsXz15PTAscyhnKXx8bihnKSl7aWYobihnKSlmb3IoZD0wLGY9Zy5sZW5ndGg7ZDxmOysrZCl2PWdbZF0scyh2KXx8bih2KXx8KF89Q2Uobyx4LmRhdGEseC5nYyxfLHYpLHkrPWIpfWVsc2UgXz1DZShvLHguZGF0YSx4LmdjLF8sZykseT1iO3IucHVzaChfKSxsLnB1c2goeSksTT1NYXRoLm1heChfLE0pLHc9TWF0aC5tYXgoeSx3KX0hZnVuY3Rpb24odCxlKXt1KHQsKHQ9Pntjb25zdCBpPXQuZ2Mscz1pLmxlbmd0aC8yO2xldCBuO2lmKHM+ZSl7Zm9yKG49MDtuPHM7KytuKWRlbGV0ZSB0LmRhdGFbaVtuXV07aS5zcGxpY2UoMCxzKX19KSl9KGEsZSk7Y29uc3Qgaz1yLmluZGV4T2YoTSksUz1sLmluZGV4T2YodyksUD10PT4oe3dpZHRoOnJbdF18fDAsaGVpZ2h0OmxbdF18fDB9KTtyZXR1cm57Zmlyc3Q6UCgwKSxsYXN0OlAoZS0xKSx3aWRlc3Q6UChrKSxoaWdoZXN0OlAoUyksd2lkdGhzOnIsaGVpZ2h0czpsfX1nZXRMYWJlbEZvclZhbHVlKHQpe3JldHVybiB0fWdldFBpeGVsRm9yVmFsdWUodCxlKXtyZXR1cm4gTmFOfWdldFZhbHVlRm9yUGl4ZWwodCl7fWdldFBpeGVsRm9yVGljayh0KXtjb25zdCBlPXRoaXMudGlja3M7cmV0dXJuIHQ8MHx8dD5lLmxlbmd0aC0xP251bGw6dGhpcy5nZXRQaXhlbEZvclZhbHVlKGVbdF0udmFsdWUpfWdldFBpeGVsRm9yRGVjaW1hbCh0KXt0aGlzLl9yZXZlcnNlUGl4ZWxzJiYodD0xLXQpO2NvbnN0IGU9dGhpcy5fc3RhcnRQaXhlbCt0KnRoaXMuX2xlbmd0aDtyZXR1cm4gUSh0aGlzLl9hbGlnblRvUGl4ZWxzP0FlKHRoaXMuY2hhcnQsZSwwKTplKX1nZXREZWNpbWFsRm9yUGl4ZWwodCl7Y29uc3QgZT0odC10aGlzLl9zdGFydFBpeGVsKS90aGlzLl9sZW5ndGg7cmV0dXJuIHRoaXMuX3JldmVyc2VQaXhlbHM/MS1lOmV9Z2V0QmFzZVBpeGVsKCl7cmV0dXJuIHRoaXMuZ2V0UGl4ZWxGb3JWYWx1ZSh0aGlzLmdldEJhc2VWYWx1ZSgpKX1nZXRCYXNlVmFsdWUoKXtjb25zdHttaW46dCxtYXg6ZX09dGhpcztyZXR1cm4gdDwwJiZlPDA/ZTp0PjAmJmU+MD90OjB9Z2V0Q29udGV4dCh0KXtjb25zdCBlPXRoaXMudGlja3N8fFtdO2lmKHQ+PTAmJnQ8ZS5sZW5ndGgpe2NvbnN0IGk9ZVt0XTtyZXR1cm4gaS4kY29udGV4dHx8KGkuJGNvbnRleHQ9ZnVuY3Rpb24odCxlLGkpe3JldHVybiBDaSh0LHt0aWNrOmksaW5kZXg6ZSx0eXBlOiJ0aWNrIn0pfSh0aGlzLmdldENvbnRleHQoKSx0LGkpKX1yZXR1cm4gdGhpcy4kY29udGV4dHx8KHRoaXMuJGNvbnRleHQ9Q2kodGhpcy5jaGFydC5nZXRDb250ZXh0KCkse3NjYWxlOnRoaXMsdHlwZToic2NhbGUifSkpfV90aWNrU2l6ZSgpe2NvbnN0IHQ9dGhpcy5vcHRpb25zLnRpY2tzLGU9JCh0aGlzLmxhYmVsUm90YXRpb24pLGk9TWF0aC5hYnMoTWF0aC5jb3MoZSkpLHM9TWF0aC5hYnMoTWF0aC5zaW4oZSkpLG49dGhpcy5fZ2V0TGFiZWxTaXplcygpLG89dC5hdXRvU2tpcFBhZGRpbmd8fDAsYT1uP24ud2lkZXN0LndpZHRoK286MCxyPW4/bi5oaWdoZXN0LmhlaWdodCtvOjA7cmV0dXJuIHRoaXMuaXNIb3Jpem9udGFsKCk/cippPmEqcz9hL2k6ci9zOnIqczxhKmk/ci9pOmEvc31faXNWaXNpYmxlKCl7Y29uc3QgdD10aGlzLm9wdGlvbnMuZGlzcGxheTtyZXR1cm4iYXV0byIhPT10PyEhdDp0aGlzLmdldE1hdGNoaW5nVmlzaWJsZU1ldGFzKCkubGVuZ3RoPjB9X2NvbXB1dGVHcmlkTGluZUl0ZW1zKHQpe2NvbnN0IGU9dGhpcy5heGlzLGk9dGhpcy5jaGFydCxzPXRoaXMub3B0aW9ucyx7Z3JpZDpuLHBvc2l0aW9uOmEsYm9yZGVyOnJ9PXMsaD1uLm9mZnNldCxjPXRoaXMuaXNIb3Jpem9udGFsKCksZD10aGlzLnRpY2tzLmxlbmd0aCsoaD8xOjApLHU9SnMobiksZj1bXSxnPXIuc2V0Q29udGV4dCh0aGlzLmdldENvbnRleHQoKSkscD1nLmRpc3BsYXk/Zy53aWR0aDowLG09cC8yLHg9ZnVuY3Rpb24odCl7cmV0dXJuIEFlKGksdCxwKX07bGV0IGIsXyx5LHYsTSx3LGssUyxQLEQsQyxPO2lmKCJ0b3AiPT09YSliPXgodGhpcy5ib3R0b20pLHc9dGhpcy5ib3R0b20tdSxTPWItbSxEPXgodC50b3ApK20sTz10LmJvdHRvbTtlbHNlIGlmKCJib3R0b20iPT09YSliPXgodGhpcy50b3ApLEQ9dC50b3AsTz14KHQuYm90dG9tKS1tLHc9YittLFM9dGhpcy50b3ArdTtlbHNlIGlmKCJsZWZ0Ij09PWEpYj14KHRoaXMucmlnaHQpLE09dGhpcy5yaWdodC11LGs9Yi1tLFA9eCh0LmxlZnQpK20sQz10LnJpZ2h0O2Vsc2UgaWYoInJpZ2h0Ij09PWEpYj14KHRoaXMubGVmdCksUD10LmxlZnQsQz14KHQucmlnaHQpLW0sTT1iK20saz10aGlzLmxlZnQrdTtlbHNlIGlmKCJ4Ij09PWUpe2lmKCJjZW50ZXIiPT09YSliPXgoKHQudG9wK3QuYm90dG9tKS8yKy41KTtlbHNlIGlmKG8oYSkpe2NvbnN0IHQ9T2JqZWN0LmtleXMoYSlbMF0sZT1hW3RdO2I9eCh0aGlzLmNoYXJ0LnNjYWxlc1t0XS5nZXRQaXhlbEZvclZhbHVlKGUpKX1EPXQudG9wLE89dC5ib3R0b20sdz1iK20sUz13K3V9ZWxzZSBpZigieSI9PT1lKXtpZigiY2VudGVyIj09PWEpYj14KCh0LmxlZnQrdC5yaWdodCkvMik7ZWxzZSBpZihvKGEpKXtjb25zdCB0PU9iamVjdC5rZXlzKGEpWzBdLGU9YVt0XTtiPXgodGhpcy5jaGFydC5zY2FsZXNbdF0uZ2V0UGl4ZWxGb3JWYWx1ZShlKSl9TT1iLW0saz1NLXUsUD10LmxlZnQsQz10LnJpZ2h0fWNvbnN0IEE9bChzLnRpY2tzLm1heFRpY2tzTGltaXQsZCksVD1NYXRoLm1heCgxLE1hdGguY2VpbChkL0EpKTtmb3IoXz0wO188ZDtfKz1UKXtjb25zdCB0PXRoaXMuZ2V0Q29udGV4dChfKSxlPW4uc2V0Q29udGV4dCh0KSxzPXIuc2V0Q29udGV4dCh0KSxvPWUubGluZVdpZHRoLGE9ZS5jb2xvcixsPXMuZGFzaHx8W10sZD1zLmRhc2hPZmZzZXQsdT1lLnRpY2tXaWR0aCxnPWUudGlja0NvbG9yLHA9ZS50aWNrQm9yZGVyRGFzaHx8W10sbT1lLnRpY2tCb3JkZXJEYXNoT2Zmc2V0O3k9R3ModGhpcyxfLGgpLHZvaWQgMCE9PXkmJih2PUFlKGkseSxvKSxjP009az1QPUM9djp3PVM9RD1PPXYsZi5wdXNoKHt0eDE6TSx0eTE6dyx0eDI6ayx0eTI6Uyx4MTpQLHkxOkQseDI6Qyx5MjpPLHdpZHRoOm8sY29sb3I6YSxib3JkZXJEYXNoOmwsYm9yZGVyRGFzaE9mZnNldDpkLHRpY2tXaWR0aDp1LHRpY2tDb2xvcjpnLHRpY2tCb3JkZXJEYXNoOnAsdGlja0JvcmRlckRhc2hPZmZzZXQ6bX0pKX1yZXR1cm4gdGhpcy5fdGlja3NMZW5ndGg9ZCx0aGlzLl9ib3JkZXJWYWx1ZT1iLGZ9X2NvbXB1dGVMYWJlbEl0ZW1zKHQpe2NvbnN0IGU9dGhpcy5heGlzLGk9dGhpcy5vcHRpb25zLHtwb3NpdGlvbjpzLHRpY2tzOmF9PWkscj10aGlzLmlzSG9yaXpvbnRhbCgpLGw9dGhpcy50aWNrcyx7YWxpZ246aCxjcm9zc0FsaWduOmMscGFkZGluZzpkLG1pcnJvcjp1fT1hLGY9SnMoaS5ncmlkKSxnPWYrZCxwPXU/LWQ6ZyxtPS0kKHRoaXMubGFiZWxSb3RhdGlvbikseD1bXTtsZXQgYixfLHksdixNLHcsayxTLFAsRCxDLE8sQT0ibWlkZGxlIjtpZigidG9wIj09PXMpdz10aGlzLmJvdHRvbS1wLGs9dGhpcy5fZ2V0WEF4aXNMYWJlbEFsaWdubWVudCgpO2Vsc2UgaWYoImJvdHRvbSI9PT1zKXc9dGhpcy50b3ArcCxrPXRoaXMuX2dldFhBeGlzTGFiZWxBbGlnbm1lbnQoKTtlbHNlIGlmKCJsZWZ0Ij09PXMpe2NvbnN0IHQ9dGhpcy5fZ2V0WUF4aXNMYWJlbEFsaWdubWVudChmKTtrPXQudGV4dEFsaWduLE09dC54fWVsc2UgaWYoInJpZ2h0Ij09PXMpe2NvbnN0IHQ9dGhpcy5fZ2V0WUF4aXNMYWJlbEFsaWdubWVudChmKTtrPXQudGV4dEFsaWduLE09dC54fWVsc2UgaWYoIngiPT09ZSl7aWYoImNlbnRlciI9PT1zKXc9KHQudG9wK3QuYm90dG9tKS8yK2c7ZWxzZSBpZihvKHMpKXtjb25zdCB0PU9iamVjdC5rZXlzKHMpWzBdLGU9c1t0XTt3PXRoaXMuY2hhcnQuc2NhbGVzW3RdLmdldFBpeGVsRm9yVmFsdWUoZSkrZ31rPXRoaXMuX2dldFhBeGlzTGFiZWxBbGlnbm1lbnQoKX1lbHNlIGlmKCJ5Ij09PWUpe2lmKCJjZW50ZXIiPT09cylNPSh0LmxlZnQrdC5yaWdodCkvMi1nO2Vsc2UgaWYobyhzKSl7Y29uc3QgdD1PYmplY3Qua2V5cyhzKVswXSxlPXNbdF07TT10aGlzLmNoYXJ0LnNjYWxlc1t0XS5nZXRQaXhlbEZvclZhbHVlKGUpfWs9dGhpcy5fZ2V0WUF4aXNMYWJlbEFsaWdubWVudChmKS50ZXh0QWxpZ259InkiPT09ZSYmKCJzdGFydCI9PT1oP0E9InRvcCI6ImVuZCI9PT1oJiYoQT0iYm90dG9tIikpO2NvbnN0IFQ9dGhpcy5fZ2V0TGFiZWxTaXplcygpO2ZvcihiPTAsXz1sLmxlbmd0aDtiPF87KytiKXt5PWxbYl0sdj15LmxhYmVsO2NvbnN0IHQ9YS5zZXRDb250ZXh0KHRoaXMuZ2V0Q29udGV4dChiKSk7Uz10aGlzLmdldFBpeGVsRm9yVGljayhiKSthLmxhYmVsT2Zmc2V0LFA9dGhpcy5fcmVzb2x2ZVRpY2tGb250T3B0aW9ucyhiKSxEPVAubGluZUhlaWdodCxDPW4odik/di5sZW5ndGg6MTtjb25zdCBlPUMvMixpPXQuY29sb3Isbz10LnRleHRTdHJva2VDb2xvcixoPXQudGV4dFN0cm9rZVdpZHRoO2xldCBkLGY9aztpZihyPyhNPVMsImlubmVyIj09PWsmJihmPWI9PT1fLTE/dGhpcy5vcHRpb25zLnJldmVyc2U/ImxlZnQiOiJyaWdodCI6MD09PWI/dGhpcy5vcHRpb25zLnJldmVyc2U/InJpZ2h0IjoibGVmdCI6ImNlbnRlciIpLE89InRvcCI9PT1zPyJuZWFyIj09PWN8fDAhPT1tPy1DKkQrRC8yOiJjZW50ZXIiPT09Yz8tVC5oaWdoZXN0LmhlaWdodC8yLWUqRCtEOi1ULmhpZ2hlc3QuaGVpZ2h0K0QvMjoibmVhciI9PT1jfHwwIT09bT9ELzI6ImNlbnRlciI9PT1jP1QuaGlnaGVzdC5oZWlnaHQvMi1lKkQ6VC5oaWdoZXN0LmhlaWdodC1DKkQsdSYmKE8qPS0xKSwwPT09bXx8dC5zaG93TGFiZWxCYWNrZHJvcHx8KE0rPUQvMipNYXRoLnNpbihtKSkpOih3PVMsTz0oMS1DKSpELzIpLHQuc2hvd0xhYmVsQmFja2Ryb3Ape2NvbnN0IGU9a2kodC5iYWNrZHJvcFBhZGRpbmcpLGk9VC5oZWlnaHRzW2JdLHM9VC53aWR0aHNbYl07bGV0IG49Ty1lLnRvcCxvPTAtZS5sZWZ0O3N3aXRjaChBKXtjYXNlIm1pZGRsZSI6bi09aS8yO2JyZWFrO2Nhc2UiYm90dG9tIjpuLT1pfXN3aXRjaChrKXtjYXNlImNlbnRlciI6by09cy8yO2JyZWFrO2Nhc2UicmlnaHQiOm8tPXM7YnJlYWs7Y2FzZSJpbm5lciI6Yj09PV8tMT9vLT1zOmI+MCYmKG8tPXMvMil9ZD17bGVmdDpvLHRvcDpuLHdpZHRoOnMrZS53aWR0aCxoZWlnaHQ6aStlLmhlaWdodCxjb2xvcjp0LmJhY2tkcm9wQ29sb3J9fXgucHVzaCh7bGFiZWw6dixmb250OlAsdGV4dE9mZnNldDpPLG9wdGlvbnM6e3JvdGF0aW9uOm0sY29sb3I6aSxzdHJva2VDb2xvcjpvLHN0cm9rZVdpZHRoOmgsdGV4dEFsaWduOmYsdGV4dEJhc2VsaW5lOkEsdHJhbnNsYXRpb246W00sd10sYmFja2Ryb3A6ZH19KX1yZXR1cm4geH1fZ2V0WEF4aXNMYWJlbEFsaWdubWVudCgpe2NvbnN0e3Bvc2l0aW9uOnQsdGlja3M6ZX09dGhpcy5vcHRpb25zO2lmKC0kKHRoaXMubGFiZWxSb3RhdGlvbikpcmV0dXJuInRvcCI9PT10PyJsZWZ0IjoicmlnaHQiO2xldCBpPSJjZW50ZXIiO3JldHVybiJzdGFydCI9PT1lLmFsaWduP2k9ImxlZnQiOiJlbmQiPT09ZS5hbGlnbj9pPSJyaWdodCI6ImlubmVyIj09PWUuYWxpZ24mJihpPSJpbm5lciIpLGl9X2dldFlBeGlzTGFiZWxBbGlnbm1lbnQodCl7Y29uc3R7cG9zaXRpb246ZSx0aWNrczp7Y3Jvc3NBbGlnbjppLG1pcnJvcjpzLHBhZGRpbmc6bn19PXRoaXMub3B0aW9ucyxvPXQrbixhPXRoaXMuX2dldExhYmVsU2l6ZXMoKS53aWRlc3Qud2lkdGg7bGV0IHIsbDtyZXR1cm4ibGVmdCI9PT1lP3M/KGw9dGhpcy5yaWdodCtuLCJuZWFyIj09PWk/cj0ibGVmdCI6ImNlbnRlciI9PT1pPyhyPSJjZW50ZXIiLGwrPWEvMik6KHI9InJpZ2h0IixsKz1hKSk6KGw9dGhpcy5yaWdodC1vLCJuZWFyIj09PWk/cj0icmlnaHQiOiJjZW50ZXIiPT09aT8ocj0iY2VudGVyIixsLT1hLzIpOihyPSJsZWZ0IixsPXRoaXMubGVmdCkpOiJyaWdodCI9PT1lP3M/KGw9dGhpcy5sZWZ0K24sIm5lYXIiPT09aT9yPSJyaWdodCI6ImNlbnRlciI9PT1pPyhyPSJjZW50ZXIiLGwtPWEvMik6KHI9ImxlZnQiLGwtPWEpKToobD10aGlzLmxlZnQrbywibmVhciI9PT1pP3I9ImxlZnQiOiJjZW50ZXIiPT09aT8ocj0iY2VudGVyIixsKz1hLzIpOihyPSJyaWdodCIsbD10aGlzLnJpZ2h0KSk6cj0icmlnaHQiLHt0ZXh0QWxpZ246cix4Omx9fV9jb21wdXRlTGFiZWxBcmVhKCl7aWYodGhpcy5vcHRpb25zLnRpY2tzLm1pcnJvcilyZXR1cm47Y29uc3QgdD10aGlzLmNoYXJ0LGU9dGhpcy5vcHRpb25zLnBvc2l0aW9uO3JldHVybiJsZWZ0Ij09PWV8fCJyaWdodCI9PT1lP3t0b3A6MCxsZWZ0OnRoaXMubGVmdCxib3R0b206dC5oZWlnaHQscmlnaHQ6dGhpcy5yaWdodH06InRvcCI9PT1lfHwiYm90dG9tIj09PWU/e3RvcDp0aGlzLnRvcCxsZWZ0OjAsYm90dG9tOnRoaXMuYm90dG9tLHJpZ2h0OnQud2lkdGh9OnZvaWQgMH1kcmF3QmFja2dyb3VuZCgpe2NvbnN0e2N0eDp0LG9wdGlvbnM6e2JhY2tncm91bmRDb2xvcjplfSxsZWZ0OmksdG9wOnMsd2lkdGg6bixoZWlnaHQ6b309dGhpcztlJiYodC5zYXZlKCksdC5maWxsU3R5bGU9ZSx0LmZpbGxSZWN0KGkscyxuLG8pLHQucmVzdG9yZSgpKX1nZXRMaW5lV2lkdGhGb3JWYWx1ZSh0KXtjb25zdCBlPXRoaXMub3B0aW9ucy5ncmlkO2lmKCF0aGlzLl9pc1Zpc2libGUoKXx8IWUuZGlzcGxheSlyZXR1cm4gMDtjb25zdCBpPXRoaXMudGlja3MuZmluZEluZGV4KChlPT5lLnZhbHVlPT09dCkpO2lmKGk+PTApe3JldHVybiBlLnNldENvbnRleHQodGhpcy5nZXRDb250ZXh0KGkpKS5saW5lV2lkdGh9cmV0dXJuIDB9ZHJhd0dyaWQodCl7Y29uc3QgZT10aGlzLm9wdGlvbnMuZ3JpZCxpPXRoaXMuY3R4LHM9dGhpcy5fZ3JpZExpbmVJdGVtc3x8KHRoaXMuX2dyaWRMaW5lSXRlbXM9dGhpcy5fY29tcHV0ZUdyaWRMaW5lSXRlbXModCkpO2xldCBuLG87Y29uc3QgYT0odCxlLHMpPT57cy53aWR0aCYmcy5jb2xvciYmKGkuc2F2ZSgpLGkubGluZVdpZHRoPXMud2lkdGgsaS5zdHJva2VTdHlsZT1zLmNvbG9yLGkuc2V0TGluZURhc2gocy5ib3JkZXJEYXNofHxbXSksaS5saW5lRGFzaE9mZnNldD1zLmJvcmRlckRhc2hPZmZzZXQsaS5iZWdpblBhdGgoKSxpLm1vdmVUbyh0LngsdC55KSxpLmxpbmVUbyhlLngsZS55KSxpLnN0cm9rZSgpLGkucmVzdG9yZSgpKX07aWYoZS5kaXNwbGF5KWZvcihuPTAsbz1zLmxlbmd0aDtuPG87KytuKXtjb25zdCB0PXNbbl07ZS5kcmF3T25DaGFydEFyZWEmJmEoe3g6dC54MSx5OnQueTF9LHt4OnQueDIseTp0LnkyfSx0KSxlLmRyYXdUaWNrcyYmYSh7eDp0LnR4MSx5OnQudHkxfSx7eDp0LnR4Mix5OnQudHkyfSx7Y29sb3I6dC50aWNrQ29sb3Isd2lkdGg6dC50aWNrV2lkdGgsYm9yZGVyRGFzaDp0LnRpY2tCb3JkZXJEYXNoLGJvcmRlckRhc2hPZmZzZXQ6dC50aWNrQm9yZGVyRGFzaE9mZnNldH0pfX1kcmF3Qm9yZGVyKCl7Y29uc3R7Y2hhcnQ6dCxjdHg6ZSxvcHRpb25zOntib3JkZXI6aSxncmlkOnN9fT10aGlzLG49aS5zZXRDb250ZXh0KHRoaXMuZ2V0Q29udGV4dCgpKSxvPWkuZGlzcGxheT9uLndpZHRoOjA7aWYoIW8pcmV0dXJuO2NvbnN0IGE9cy5zZXRDb250ZXh0KHRoaXMuZ2V0Q29udGV4dCgwKSkubGluZVdpZHRoLHI9dGhpcy5fYm9yZGVyVmFsdWU7bGV0IGwsaCxjLGQ7dGhpcy5pc0hvcml6b250YWwoKT8obD1BZSh0LHRoaXMubGVmdCxvKS1vLzIsaD1BZSh0LHRoaXMucmlnaHQsYSkrYS8yLGM9ZD1yKTooYz1BZSh0LHRoaXMudG9wLG8pLW8vMixkPUFlKHQsdGhpcy5ib3R0b20sYSkrYS8yLGw9aD1yKSxlLnNhdmUoKSxlLmxpbmVXaWR0aD1uLndpZHRoLGUuc3Ryb2tlU3R5bGU9bi5jb2xvcixlLmJlZ2luUGF0aCgpLGUubW92ZVRvKGwsYyksZS5saW5lVG8oaCxkKSxlLnN0cm9rZSgpLGUucmVzdG9yZSgpfWRyYXdMYWJlbHModCl7aWYoIXRoaXMub3B0aW9ucy50aWNrcy5kaXNwbGF5KXJldHVybjtjb25zdCBlPXRoaXMuY3R4LGk9dGhpcy5fY29tcHV0ZUxhYmVsQXJlYSgpO2kmJkllKGUsaSk7Y29uc3Qgcz10aGlzLmdldExhYmVsSXRlbXModCk7Zm9yKGNvbnN0IHQgb2Ygcyl7Y29uc3QgaT10Lm9wdGlvbnMscz10LmZvbnQ7V2UoZSx0LmxhYmVsLDAsdC50ZXh0T2Zmc2V0LHMsaSl9aSYmemUoZSl9ZHJhd1RpdGxlKCl7Y29uc3R7Y3R4OnQsb3B0aW9uczp7cG9zaXRpb246ZSx0aXRsZTppLHJldmVyc2U6c319PXRoaXM7aWYoIWkuZGlzcGxheSlyZXR1cm47Y29uc3QgYT1TaShpLmZvbnQpLHI9a2koaS5wYWRkaW5nKSxsPWkuYWxpZ247bGV0IGg9YS5saW5lSGVpZ2h0LzI7ImJvdHRvbSI9PT1lfHwiY2VudGVyIj09PWV8fG8oZSk/KGgrPXIuYm90dG9tLG4oaS50ZXh0KSYmKGgrPWEubGluZUhlaWdodCooaS50ZXh0Lmxlbmd0aC0xKSkpOmgrPXIudG9wO2NvbnN0e3RpdGxlWDpjLHRpdGxlWTpkLG1heFdpZHRoOnUscm90YXRpb246Zn09ZnVuY3Rpb24odCxlLGkscyl7Y29uc3R7dG9wOm4sbGVmdDphLGJvdHRvbTpyLHJpZ2h0OmwsY2hhcnQ6aH09dCx7Y2hhcnRBcmVhOmMsc2NhbGVzOmR9PWg7bGV0IHUsZixnLHA9MDtjb25zdCBtPXItbix4PWwtYTtpZih0LmlzSG9yaXpvbnRhbCgpKXtpZihmPWZ0KHMsYSxsKSxvKGkpKXtjb25zdCB0PU9iamVjdC5rZXlzKGkpWzBdLHM9aVt0XTtnPWRbdF0uZ2V0UGl4ZWxGb3JWYWx1ZShzKSttLWV9ZWxzZSBnPSJjZW50ZXIiPT09aT8oYy5ib3R0b20rYy50b3ApLzIrbS1lOlhzKHQsaSxlKTt1PWwtYX1lbHNle2lmKG8oaSkpe2NvbnN0IHQ9T2JqZWN0LmtleXMoaSlbMF0scz1pW3RdO2Y9ZFt0XS5nZXRQaXhlbEZvclZhbHVlKHMpLXgrZX1lbHNlIGY9ImNlbnRlciI9PT1pPyhjLmxlZnQrYy5yaWdodCkvMi14K2U6WHModCxpLGUpO2c9ZnQocyxyLG4pLHA9ImxlZnQiPT09aT8tRTpFfXJldHVybnt0aXRsZVg6Zix0aXRsZVk6ZyxtYXhXaWR0aDp1LHJvdGF0aW9uOnB9fSh0aGlzLGgsZSxsKTtXZSh0LGkudGV4dCwwLDAsYSx7Y29sb3I6aS5jb2xvcixtYXhXaWR0aDp1LHJvdGF0aW9uOmYsdGV4dEFsaWduOlFzKGwsZSxzKSx0ZXh0QmFzZWxpbmU6Im1pZGRsZSIsdHJhbnNsYXRpb246W2MsZF0sc3Ryb2tlQ29sb3I6aS5zdHJva2VDb2xvcixzdHJva2VXaWR0aDppLnN0cm9rZVdpZHRofSl9ZHJhdyh0KXt0aGlzLl9pc1Zpc2libGUoKSYmKHRoaXMuZHJhd0JhY2tncm91bmQoKSx0aGlzLmRyYXdHcmlkKHQpLHRoaXMuZHJhd0JvcmRlcigpLHRoaXMuZHJhd1RpdGxlKCksdGhpcy5kcmF3TGFiZWxzKHQpKX1fbGF5ZXJzKCl7Y29uc3QgdD10aGlzLm9wdGlvbnMsZT10LnRpY2tzJiZ0LnRpY2tzLnp8fDAsaT1sKHQuZ3JpZCYmdC5ncmlkLnosLTEpLHM9bCh0LmJvcmRlciYmdC5ib3JkZXIueiwwKTtyZXR1cm4gdGhpcy5faXNWaXNpYmxlKCkmJnRoaXMuZHJhdz09PXRuLnByb3RvdHlwZS5kcmF3P1t7ejppLGRyYXc6dD0+e3RoaXMuZHJhd0JhY2tncm91bmQoKSx0aGlzLmRyYXdHcmlkKHQpLHRoaXMuZHJhd1RpdGxlKCl9fSx7ejpzLGRyYXc6KCk9Pnt0aGlzLmRyYXdCb3JkZXIoKX19LHt6OmUsZHJhdzp0PT57dGhpcy5kcmF3TGFiZWxzKHQpfX1dOlt7ejplLGRyYXc6dD0+e3RoaXMuZHJhdyh0KX19XX1nZXRNYXRjaGluZ1Zpc2libGVNZXRhcyh0KXtjb25zdCBlPXRoaXMuY2hhcnQuZ2V0U29ydGVkVmlzaWJsZURhdGFzZXRNZXRhcygpLGk9dGhpcy5heGlzKyJBeGlzSUQiLHM9W107bGV0IG4sbztmb3Iobj0wLG89ZS5sZW5ndGg7bjxvOysrbil7Y29uc3Qgbz1lW25dO29baV0hPT10aGlzLmlkfHx0JiZvLnR5cGUhPT10fHxzLnB1c2gobyl9cmV0dXJuIHN9X3Jlc29sdmVUaWNrRm9udE9wdGlvbnModCl7cmV0dXJuIFNpKHRoaXMub3B0aW9ucy50aWNrcy5zZXRDb250ZXh0KHRoaXMuZ2V0Q29udGV4dCh0KSkuZm9udCl9X21heERpZ2l0cygpe2NvbnN0IHQ9dGhpcy5fcmVzb2x2ZVRpY2tGb250T3B0aW9ucygwKS5saW5lSGVpZ2h0O3JldHVybih0aGlzLmlzSG9yaXpvbnRhbCgpP3RoaXMud2lkdGg6dGhpcy5oZWlnaHQpL3R9fWNsYXNzIGVue2NvbnN0cnVjdG9yKHQsZSxpKXt0aGlzLnR5cGU9dCx0aGlzLnNjb3BlPWUsdGhpcy5vdmVycmlkZT1pLHRoaXMuaXRlbXM9T2JqZWN0LmNyZWF0ZShudWxsKX1pc0ZvclR5cGUodCl7cmV0dXJuIE9iamVjdC5wcm90b3R5cGUuaXNQcm90b3R5cGVPZi5jYWxsKHRoaXMudHlwZS5wcm90b3R5cGUsdC5wcm90b3R5cGUpfXJlZ2lzdGVyKHQpe2NvbnN0IGU9T2JqZWN0LmdldFByb3RvdHlwZU9mKHQpO2xldCBpOyhmdW5jdGlvbih0KXtyZXR1cm4iaWQiaW4gdCYmImRlZmF1bHRzImluIHR9KShlKSYmKGk9dGhpcy5yZWdpc3RlcihlKSk7Y29uc3Qgcz10aGlzLml0ZW1zLG49dC5pZCxvPXRoaXMuc2NvcGUrIi4iK247aWYoIW4pdGhyb3cgbmV3IEVycm9yKCJjbGFzcyBkb2VzIG5vdCBoYXZlIGlkOiAiK3QpO3JldHVybiBuIGluIHN8fChzW25dPXQsZnVuY3Rpb24odCxlLGkpe2NvbnN0IHM9eChPYmplY3QuY3JlYXRlKG51bGwpLFtpP3VlLmdldChpKTp7fSx1ZS5nZXQoZSksdC5kZWZhdWx0c10pO3VlLnNldChlLHMpLHQuZGVmYXVsdFJvdXRlcyYmZnVuY3Rpb24odCxlKXtPYmplY3Qua2V5cyhlKS5mb3JFYWNoKChpPT57Y29uc3Qgcz1pLnNwbGl0KCIuIiksbj1zLnBvcCgpLG89W3RdLmNvbmNhdChzKS5qb2luKCIuIiksYT1lW2ldLnNwbGl0KCIuIikscj1hLnBvcCgpLGw9YS5qb2luKCIuIik7dWUucm91dGUobyxuLGwscil9KSl9KGUsdC5kZWZhdWx0Um91dGVzKTt0LmRlc2NyaXB0b3JzJiZ1ZS5kZXNjcmliZShlLHQuZGVzY3JpcHRvcnMpfSh0LG8saSksdGhpcy5vdmVycmlkZSYmdWUub3ZlcnJpZGUodC5pZCx0Lm92ZXJyaWRlcykpLG99Z2V0KHQpe3JldHVybiB0aGlzLml0ZW1zW3RdfXVucmVnaXN0ZXIodCl7Y29uc3QgZT10aGlzLml0ZW1zLGk9dC5pZCxzPXRoaXMuc2NvcGU7aSBpbiBlJiZkZWxldGUgZVtpXSxzJiZpIGluIHVlW3NdJiYoZGVsZXRlIHVlW3NdW2ldLHRoaXMub3ZlcnJpZGUmJmRlbGV0ZSByZVtpXSl9fWNsYXNzIHNue2NvbnN0cnVjdG9yKCl7dGhpcy5jb250cm9sbGVycz1uZXcgZW4oanMsImRhdGFzZXRzIiwhMCksdGhpcy5lbGVtZW50cz1uZXcgZW4oJHMsImVsZW1lbnRzIiksdGhpcy5wbHVnaW5zPW5ldyBlbihPYmplY3QsInBsdWdpbnMiKSx0aGlzLnNjYWxlcz1uZXcgZW4odG4sInNjYWxlcyIpLHRoaXMuX3R5cGVkUmVnaXN0cmllcz1bdGhpcy5jb250cm9sbGVycyx0aGlzLnNjYWxlcyx0aGlzLmVsZW1lbnRzXX1hZGQoLi4udCl7dGhpcy5fZWFjaCgicmVnaXN0ZXIiLHQpfXJlbW92ZSguLi50KXt0aGlzLl9lYWNoKCJ1bnJlZ2lzdGVyIix0KX1hZGRDb250cm9sbGVycyguLi50KXt0aGlzLl9lYWNoKCJyZWdpc3RlciIsdCx0aGlzLmNvbnRyb2xsZXJzKX1hZGRFbGVtZW50cyguLi50KXt0aGlzLl9lYWNoKCJyZWdpc3RlciIsdCx0aGlzLmVsZW1lbnRzKX1hZGRQbHVnaW5zKC4uLnQpe3RoaXMuX2VhY2goInJlZ2lzdGVyIix0LHRoaXMucGx1Z2lucyl9YWRkU2NhbGVzKC4uLnQpe3RoaXMuX2VhY2goInJlZ2lzdGVyIix0LHRoaXMuc2NhbGVzKX1nZXRDb250cm9sbGVyKHQpe3JldHVybiB0aGlzLl9nZXQodCx0aGlzLmNvbnRyb2xsZXJzLCJjb250cm9sbGVyIil9Z2V0RWxlbWVudCh0KXtyZXR1cm4gdGhpcy5fZ2V0KHQsdGhpcy5lbGVtZW50cywiZWxlbWVudCIpfWdldFBsdWdpbih0KXtyZXR1cm4gdGhpcy5fZ2V0KHQsdGhpcy5wbHVnaW5zLCJwbHVnaW4iKX1nZXRTY2FsZSh0KXtyZXR1cm4gdGhpcy5fZ2V0KHQsdGhpcy5zY2FsZXMsInNjYWxlIil9cmVtb3ZlQ29udHJvbGxlcnMoLi4udCl7dGhpcy5fZWFjaCgidW5yZWdpc3RlciIsdCx0aGlzLmNvbnRyb2xsZXJzKX1yZW1vdmVFbGVtZW50cyguLi50KXt0aGlzLl9lYWNoKCJ1bnJlZ2lzdGVyIix0LHRoaXMuZWxlbWVudHMpfXJlbW92ZVBsdWdpbnMoLi4udCl7dGhpcy5fZWFjaCgidW5yZWdpc3RlciIsdCx0aGlzLnBsdWdpbnMpfXJlbW92ZVNjYWxlcyguLi50KXt0aGlzLl9lYWNoKCJ1bnJlZ2lzdGVyIix0LHRoaXMuc2NhbGVzKX1fZWFjaCh0LGUsaSl7Wy4uLmVdLmZvckVhY2goKGU9Pntjb25zdCBzPWl8fHRoaXMuX2dldFJlZ2lzdHJ5Rm9yVHlwZShlKTtpfHxzLmlzRm9yVHlwZShlKXx8cz09PXRoaXMucGx1Z2lucyYmZS5pZD90aGlzLl9leGVjKHQscyxlKTp1KGUsKGU9Pntjb25zdCBzPWl8fHRoaXMuX2dldFJlZ2lzdHJ5Rm9yVHlwZShlKTt0aGlzLl9leGVjKHQscyxlKX0pKX0pKX1fZXhlYyh0LGUsaSl7Y29uc3Qgcz13KHQpO2QoaVsiYmVmb3JlIitzXSxbXSxpKSxlW3RdKGkpLGQoaVsiYWZ0ZXIiK3NdLFtdLGkpfV9nZXRSZWdpc3RyeUZvclR5cGUodCl7Zm9yKGxldCBlPTA7ZTx0aGlzLl90eXBlZFJlZ2lzdHJpZXMubGVuZ3RoO2UrKyl7Y29uc3QgaT10aGlzLl90eXBlZFJlZ2lzdHJpZXNbZV07aWYoaS5pc0ZvclR5cGUodCkpcmV0dXJuIGl9cmV0dXJuIHRoaXMucGx1Z2luc31fZ2V0KHQsZSxpKXtjb25zdCBzPWUuZ2V0KHQpO2lmKHZvaWQgMD09PXMpdGhyb3cgbmV3IEVycm9yKCciJyt0KyciIGlzIG5vdCBhIHJlZ2lzdGVyZWQgJytpKyIuIik7cmV0dXJuIHN9fXZhciBubj1uZXcgc247Y2xhc3Mgb257Y29uc3RydWN0b3IoKXt0aGlzLl9pbml0PXZvaWQgMH1ub3RpZnkodCxlLGkscyl7aWYoImJlZm9yZUluaXQiPT09ZSYmKHRoaXMuX2luaXQ9dGhpcy5fY3JlYXRlRGVzY3JpcHRvcnModCwhMCksdGhpcy5fbm90aWZ5KHRoaXMuX2luaXQsdCwiaW5zdGFsbCIpKSx2b2lkIDA9PT10aGlzLl9pbml0KXJldHVybjtjb25zdCBuPXM/dGhpcy5fZGVzY3JpcHRvcnModCkuZmlsdGVyKHMpOnRoaXMuX2Rlc2NyaXB0b3JzKHQpLG89dGhpcy5fbm90aWZ5KG4sdCxlLGkpO3JldHVybiJhZnRlckRlc3Ryb3kiPT09ZSYmKHRoaXMuX25vdGlmeShuLHQsInN0b3AiKSx0aGlzLl9ub3RpZnkodGhpcy5faW5pdCx0LCJ1bmluc3RhbGwiKSx0aGlzLl9pbml0PXZvaWQgMCksb31fbm90aWZ5KHQsZSxpLHMpe3M9c3x8e307Zm9yKGNvbnN0IG4gb2YgdCl7Y29uc3QgdD1uLnBsdWdpbjtpZighMT09PWQodFtpXSxbZSxzLG4ub3B0aW9uc10sdCkmJnMuY2FuY2VsYWJsZSlyZXR1cm4hMX1yZXR1cm4hMH1pbnZhbGlkYXRlKCl7cyh0aGlzLl9jYWNoZSl8fCh0aGlzLl9vbGRDYWNoZT10aGlzLl9jYWNoZSx0aGlzLl9jYWNoZT12b2lkIDApfV9kZXNjcmlwdG9ycyh0KXtpZih0aGlzLl9jYWNoZSlyZXR1cm4gdGhpcy5fY2FjaGU7Y29uc3QgZT10aGlzLl9jYWNoZT10aGlzLl9jcmVhdGVEZXNjcmlwdG9ycyh0KTtyZXR1cm4gdGhpcy5fbm90aWZ5U3RhdGVDaGFuZ2VzKHQpLGV9X2NyZWF0ZURlc2NyaXB0b3JzKHQsZSl7Y29uc3QgaT10JiZ0LmNvbmZpZyxzPWwoaS5vcHRpb25zJiZpLm9wdGlvbnMucGx1Z2lucyx7fSksbj1mdW5jdGlvbih0KXtjb25zdCBlPXt9LGk9W10scz1PYmplY3Qua2V5cyhubi5wbHVnaW5zLml0ZW1zKTtmb3IobGV0IHQ9MDt0PHMubGVuZ3RoO3QrKylpLnB1c2gobm4uZ2V0UGx1Z2luKHNbdF0pKTtjb25zdCBuPXQucGx1Z2luc3x8W107Zm9yKGxldCB0PTA7dDxuLmxlbmd0aDt0Kyspe2NvbnN0IHM9blt0XTstMT09PWkuaW5kZXhPZihzKSYmKGkucHVzaChzKSxlW3MuaWRdPSEwKX1yZXR1cm57cGx1Z2luczppLGxvY2FsSWRzOmV9fShpKTtyZXR1cm4hMSE9PXN8fGU/ZnVuY3Rpb24odCx7cGx1Z2luczplLGxvY2FsSWRzOml9LHMsbil7Y29uc3Qgbz1bXSxhPXQuZ2V0Q29udGV4dCgpO2Zvcihjb25zdCByIG9mIGUpe2NvbnN0IGU9ci5pZCxsPWFuKHNbZV0sbik7bnVsbCE9PWwmJm8ucHVzaCh7cGx1Z2luOnIsb3B0aW9uczpybih0LmNvbmZpZyx7cGx1Z2luOnIsbG9jYWw6aVtlXX0sbCxhKX0pfXJldHVybiBvfSh0LG4scyxlKTpbXX1fbm90aWZ5U3RhdGVDaGFuZ2VzKHQpe2NvbnN0IGU9dGhpcy5fb2xkQ2FjaGV8fFtdLGk9dGhpcy5fY2FjaGUscz0odCxlKT0+dC5maWx0ZXIoKHQ9PiFlLnNvbWUoKGU9PnQucGx1Z2luLmlkPT09ZS5wbHVnaW4uaWQpKSkpO3RoaXMuX25vdGlmeShzKGUsaSksdCwic3RvcCIpLHRoaXMuX25vdGlmeShzKGksZSksdCwic3RhcnQiKX19ZnVuY3Rpb24gYW4odCxlKXtyZXR1cm4gZXx8ITEhPT10PyEwPT09dD97fTp0Om51bGx9ZnVuY3Rpb24gcm4odCx7cGx1Z2luOmUsbG9jYWw6aX0scyxuKXtjb25zdCBvPXQucGx1Z2luU2NvcGVLZXlzKGUpLGE9dC5nZXRPcHRpb25TY29wZXMocyxvKTtyZXR1cm4gaSYmZS5kZWZhdWx0cyYmYS5wdXNoKGUuZGVmYXVsdHMpLHQuY3JlYXRlUmVzb2x2ZXIoYSxuLFsiIl0se3NjcmlwdGFibGU6ITEsaW5kZXhhYmxlOiExLGFsbEtleXM6ITB9KX1mdW5jdGlvbiBsbih0LGUpe2NvbnN0IGk9dWUuZGF0YXNldHNbdF18fHt9O3JldHVybigoZS5kYXRhc2V0c3x8e30pW3RdfHx7fSkuaW5kZXhBeGlzfHxlLmluZGV4QXhpc3x8aS5pbmRleEF4aXN8fCJ4In1mdW5jdGlvbiBobih0KXtpZigieCI9PT10fHwieSI9PT10fHwiciI9PT10KXJldHVybiB0fWZ1bmN0aW9uIGNuKHQsLi4uZSl7aWYoaG4odCkpcmV0dXJuIHQ7Zm9yKGNvbnN0IHMgb2YgZSl7Y29uc3QgZT1zLmF4aXN8fCgidG9wIj09PShpPXMucG9zaXRpb24pfHwiYm90dG9tIj09PWk/IngiOiJsZWZ0Ij09PWl8fCJyaWdodCI9PT1pPyJ5Ijp2b2lkIDApfHx0Lmxlbmd0aD4xJiZobih0WzBdLnRvTG93ZXJDYXNlKCkpO2lmKGUpcmV0dXJuIGV9dmFyIGk7dGhyb3cgbmV3IEVycm9yKGBDYW5ub3QgZGV0ZXJtaW5lIHR5cGUgb2YgJyR7dH0nIGF4aXMuIFBsZWFzZSBwcm92aWRlICdheGlzJyBvciAncG9zaXRpb24nIG9wdGlvbi5gKX1mdW5jdGlvbiBkbih0LGUsaSl7aWYoaVtlKyJBeGlzSUQiXT09PXQpcmV0dXJue2F4aXM6ZX19ZnVuY3Rpb24gdW4odCxlKXtjb25zdCBpPXJlW3QudHlwZV18fHtzY2FsZXM6e319LHM9ZS5zY2FsZXN8fHt9LG49bG4odC50eXBlLGUpLGE9T2JqZWN0LmNyZWF0ZShudWxsKTtyZXR1cm4gT2JqZWN0LmtleXMocykuZm9yRWFjaCgoZT0+e2NvbnN0IHI9c1tlXTtpZighbyhyKSlyZXR1cm4gY29uc29sZS5lcnJvcihgSW52YWxpZCBzY2FsZSBjb25maWd1cmF0aW9uIGZvciBzY2FsZTogJHtlfWApO2lmKHIuX3Byb3h5KXJldHVybiBjb25zb2xlLndhcm4oYElnbm9yaW5nIHJlc29sdmVyIHBhc3NlZCBhcyBvcHRpb25zIGZvciBzY2FsZTogJHtlfWApO2NvbnN0IGw9Y24oZSxyLGZ1bmN0aW9uKHQsZSl7aWYoZS5kYXRhJiZlLmRhdGEuZGF0YXNldHMpe2NvbnN0IGk9ZS5kYXRhLmRhdGFzZXRzLmZpbHRlcigoZT0+ZS54QXhpc0lEPT09dHx8ZS55QXhpc0lEPT09dCkpO2lmKGkubGVuZ3RoKXJldHVybiBkbih0LCJ4IixpWzBdKXx8ZG4odCwieSIsaVswXSl9cmV0dXJue319KGUsdCksdWUuc2NhbGVzW3IudHlwZV0pLGg9ZnVuY3Rpb24odCxlKXtyZXR1cm4gdD09PWU/Il9pbmRleF8iOiJfdmFsdWVfIn0obCxuKSxjPWkuc2NhbGVzfHx7fTthW2VdPWIoT2JqZWN0LmNyZWF0ZShudWxsKSxbe2F4aXM6bH0scixjW2xdLGNbaF1dKX0pKSx0LmRhdGEuZGF0YXNldHMuZm9yRWFjaCgoaT0+e2NvbnN0IG49aS50eXBlfHx0LnR5cGUsbz1pLmluZGV4QXhpc3x8bG4obixlKSxyPShyZVtuXXx8e30pLnNjYWxlc3x8e307T2JqZWN0LmtleXMocikuZm9yRWFjaCgodD0+e2NvbnN0IGU9ZnVuY3Rpb24odCxlKXtsZXQgaT10O3JldHVybiJfaW5kZXhfIj09PXQ/aT1lOiJfdmFsdWVfIj09PXQmJihpPSJ4Ij09PWU/InkiOiJ4IiksaX0odCxvKSxuPWlbZSsiQXhpc0lEIl18fGU7YVtuXT1hW25dfHxPYmplY3QuY3JlYXRlKG51bGwpLGIoYVtuXSxbe2F4aXM6ZX0sc1tuXSxyW3RdXSl9KSl9KSksT2JqZWN0LmtleXMoYSkuZm9yRWFjaCgodD0+e2NvbnN0IGU9YVt0XTtiKGUsW3VlLnNjYWxlc1tlLnR5cGVdLHVlLnNjYWxlXSl9KSksYX1mdW5jdGlvbiBmbih0KXtjb25zdCBlPXQub3B0aW9uc3x8KHQub3B0aW9ucz17fSk7ZS5wbHVnaW5zPWwoZS5wbHVnaW5zLHt9KSxlLnNjYWxlcz11bih0LGUpfWZ1bmN0aW9uIGduKHQpe3JldHVybih0PXR8fHt9KS5kYXRhc2V0cz10LmRhdGFzZXRzfHxbXSx0LmxhYmVscz10LmxhYmVsc3x8W10sdH1jb25zdCBwbj1uZXcgTWFwLG1uPW5ldyBTZXQ7ZnVuY3Rpb24geG4odCxlKXtsZXQgaT1wbi5nZXQodCk7cmV0dXJuIGl8fChpPWUoKSxwbi5zZXQodCxpKSxtbi5hZGQoaSkpLGl9Y29uc3QgYm49KHQsZSxpKT0+e2NvbnN0IHM9TShlLGkpO3ZvaWQgMCE9PXMmJnQuYWRkKHMpfTtjbGFzcyBfbntjb25zdHJ1Y3Rvcih0KXt0aGlzLl9jb25maWc9ZnVuY3Rpb24odCl7cmV0dXJuKHQ9dHx8e30pLmRhdGE9Z24odC5kYXRhKSxmbih0KSx0fSh0KSx0aGlzLl9zY29wZUNhY2hlPW5ldyBNYXAsdGhpcy5fcmVzb2x2ZXJDYWNoZT1uZXcgTWFwfWdldCBwbGF0Zm9ybSgpe3JldHVybiB0aGlzLl9jb25maWcucGxhdGZvcm19Z2V0IHR5cGUoKXtyZXR1cm4gdGhpcy5fY29uZmlnLnR5cGV9c2V0IHR5cGUodCl7dGhpcy5fY29uZmlnLnR5cGU9dH1nZXQgZGF0YSgpe3JldHVybiB0aGlzLl9jb25maWcuZGF0YX1zZXQgZGF0YSh0KXt0aGlzLl9jb25maWcuZGF0YT1nbih0KX1nZXQgb3B0aW9ucygpe3JldHVybiB0aGlzLl9jb25maWcub3B0aW9uc31zZXQgb3B0aW9ucyh0KXt0aGlzLl9jb25maWcub3B0aW9ucz10fWdldCBwbHVnaW5zKCl7cmV0dXJuIHRoaXMuX2NvbmZpZy5wbHVnaW5zfXVwZGF0ZSgpe2NvbnN0IHQ9dGhpcy5fY29uZmlnO3RoaXMuY2xlYXJDYWNoZSgpLGZuKHQpfWNsZWFyQ2FjaGUoKXt0aGlzLl9zY29wZUNhY2hlLmNsZWFyKCksdGhpcy5fcmVzb2x2ZXJDYWNoZS5jbGVhcigpfWRhdGFzZXRTY29wZUtleXModCl7cmV0dXJuIHhuKHQsKCgpPT5bW2BkYXRhc2V0cy4ke3R9YCwiIl1dKSl9ZGF0YXNldEFuaW1hdGlvblNjb3BlS2V5cyh0LGUpe3JldHVybiB4bihgJHt0fS50cmFuc2l0aW9uLiR7ZX1gLCgoKT0+W1tgZGF0YXNldHMuJHt0fS50cmFuc2l0aW9ucy4ke2V9YCxgdHJhbnNpdGlvbnMuJHtlfWBdLFtgZGF0YXNldHMuJHt0fWAsIiJdXSkpfWRhdGFzZXRFbGVtZW50U2NvcGVLZXlzKHQsZSl7cmV0dXJuIHhuKGAke3R9LSR7ZX1gLCgoKT0+W1tgZGF0YXNldHMuJHt0fS5lbGVtZW50cy4ke2V9YCxgZGF0YXNldHMuJHt0fWAsYGVsZW1lbnRzLiR7ZX1gLCIiXV0pKX1wbHVnaW5TY29wZUtleXModCl7Y29uc3QgZT10LmlkO3JldHVybiB4bihgJHt0aGlzLnR5cGV9LXBsdWdpbi0ke2V9YCwoKCk9PltbYHBsdWdpbnMuJHtlfWAsLi4udC5hZGRpdGlvbmFsT3B0aW9uU2NvcGVzfHxbXV1dKSl9X2NhY2hlZFNjb3Blcyh0LGUpe2NvbnN0IGk9dGhpcy5fc2NvcGVDYWNoZTtsZXQgcz1pLmdldCh0KTtyZXR1cm4gcyYmIWV8fChzPW5ldyBNYXAsaS5zZXQodCxzKSksc31nZXRPcHRpb25TY29wZXModCxlLGkpe2NvbnN0e29wdGlvbnM6cyx0eXBlOm59PXRoaXMsbz10aGlzLl9jYWNoZWRTY29wZXModCxpKSxhPW8uZ2V0KGUpO2lmKGEpcmV0dXJuIGE7Y29uc3Qgcj1uZXcgU2V0O2UuZm9yRWFjaCgoZT0+e3QmJihyLmFkZCh0KSxlLmZvckVhY2goKGU9PmJuKHIsdCxlKSkpKSxlLmZvckVhY2goKHQ9PmJuKHIscyx0KSkpLGUuZm9yRWFjaCgodD0+Ym4ocixyZVtuXXx8e30sdCkpKSxlLmZvckVhY2goKHQ9PmJuKHIsdWUsdCkpKSxlLmZvckVhY2goKHQ9PmJuKHIsbGUsdCkpKX0pKTtjb25zdCBsPUFycmF5LmZyb20ocik7cmV0dXJuIDA9PT1sLmxlbmd0aCYmbC5wdXNoKE9iamVjdC5jcmVhdGUobnVsbCkpLG1uLmhhcyhlKSYmby5zZXQoZSxsKSxsfWNoYXJ0T3B0aW9uU2NvcGVzKCl7Y29uc3R7b3B0aW9uczp0LHR5cGU6ZX09dGhpcztyZXR1cm5bdCxyZVtlXXx8e30sdWUuZGF0YXNldHNbZV18fHt9LHt0eXBlOmV9LHVlLGxlXX1yZXNvbHZlTmFtZWRPcHRpb25zKHQsZSxpLHM9WyIiXSl7Y29uc3Qgbz17JHNoYXJlZDohMH0se3Jlc29sdmVyOmEsc3ViUHJlZml4ZXM6cn09eW4odGhpcy5fcmVzb2x2ZXJDYWNoZSx0LHMpO2xldCBsPWE7aWYoZnVuY3Rpb24odCxlKXtjb25zdHtpc1NjcmlwdGFibGU6aSxpc0luZGV4YWJsZTpzfT1ZZSh0KTtmb3IoY29uc3QgbyBvZiBlKXtjb25zdCBlPWkobyksYT1zKG8pLHI9KGF8fGUpJiZ0W29dO2lmKGUmJihTKHIpfHx2bihyKSl8fGEmJm4ocikpcmV0dXJuITB9cmV0dXJuITF9KGEsZSkpe28uJHNoYXJlZD0hMTtsPSRlKGEsaT1TKGkpP2koKTppLHRoaXMuY3JlYXRlUmVzb2x2ZXIodCxpLHIpKX1mb3IoY29uc3QgdCBvZiBlKW9bdF09bFt0XTtyZXR1cm4gb31jcmVhdGVSZXNvbHZlcih0LGUsaT1bIiJdLHMpe2NvbnN0e3Jlc29sdmVyOm59PXluKHRoaXMuX3Jlc29sdmVyQ2FjaGUsdCxpKTtyZXR1cm4gbyhlKT8kZShuLGUsdm9pZCAwLHMpOm59fWZ1bmN0aW9uIHluKHQsZSxpKXtsZXQgcz10LmdldChlKTtzfHwocz1uZXcgTWFwLHQuc2V0KGUscykpO2NvbnN0IG49aS5qb2luKCk7bGV0IG89cy5nZXQobik7aWYoIW8pe289e3Jlc29sdmVyOmplKGUsaSksc3ViUHJlZml4ZXM6aS5maWx0ZXIoKHQ9PiF0LnRvTG93ZXJDYXNlKCkuaW5jbHVkZXMoImhvdmVyIikpKX0scy5zZXQobixvKX1yZXR1cm4gb31jb25zdCB2bj10PT5vKHQpJiZPYmplY3QuZ2V0T3duUHJvcGVydHlOYW1lcyh0KS5zb21lKChlPT5TKHRbZV0pKSk7Y29uc3QgTW49WyJ0b3AiLCJib3R0b20iLCJsZWZ0IiwicmlnaHQiLCJjaGFydEFyZWEiXTtmdW5jdGlvbiB3bih0LGUpe3JldHVybiJ0b3AiPT09dHx8ImJvdHRvbSI9PT10fHwtMT09PU1uLmluZGV4T2YodCkmJiJ4Ij09PWV9ZnVuY3Rpb24ga24odCxlKXtyZXR1cm4gZnVuY3Rpb24oaSxzKXtyZXR1cm4gaVt0XT09PXNbdF0/aVtlXS1zW2VdOmlbdF0tc1t0XX19ZnVuY3Rpb24gU24odCl7Y29uc3QgZT10LmNoYXJ0LGk9ZS5vcHRpb25zLmFuaW1hdGlvbjtlLm5vdGlmeVBsdWdpbnMoImFmdGVyUmVuZGVyIiksZChpJiZpLm9uQ29tcGxldGUsW3RdLGUpfWZ1bmN0aW9uIFBuKHQpe2NvbnN0IGU9dC5jaGFydCxpPWUub3B0aW9ucy5hbmltYXRpb247ZChpJiZpLm9uUHJvZ3Jlc3MsW3RdLGUpfWZ1bmN0aW9uIERuKHQpe3JldHVybiBmZSgpJiYic3RyaW5nIj09dHlwZW9mIHQ/dD1kb2N1bWVudC5nZXRFbGVtZW50QnlJZCh0KTp0JiZ0Lmxlbmd0aCYmKHQ9dFswXSksdCYmdC5jYW52YXMmJih0PXQuY2FudmFzKSx0fWNvbnN0IENuPXt9LE9uPXQ9Pntjb25zdCBlPURuKHQpO3JldHVybiBPYmplY3QudmFsdWVzKENuKS5maWx0ZXIoKHQ9PnQuY2FudmFzPT09ZSkpLnBvcCgpfTtmdW5jdGlvbiBBbih0LGUsaSl7Y29uc3Qgcz1PYmplY3Qua2V5cyh0KTtmb3IoY29uc3QgbiBvZiBzKXtjb25zdCBzPStuO2lmKHM+PWUpe2NvbnN0IG89dFtuXTtkZWxldGUgdFtuXSwoaT4wfHxzPmUpJiYodFtzK2ldPW8pfX19Y2xhc3MgVG57c3RhdGljIGRlZmF1bHRzPXVlO3N0YXRpYyBpbnN0YW5jZXM9Q247c3RhdGljIG92ZXJyaWRlcz1yZTtzdGF0aWMgcmVnaXN0cnk9bm47c3RhdGljIHZlcnNpb249IjQuNi4xIjtzdGF0aWMgZ2V0Q2hhcnQ9T247c3RhdGljIHJlZ2lzdGVyKC4uLnQpe25uLmFkZCguLi50KSxMbigpfXN0YXRpYyB1bnJlZ2lzdGVyKC4uLnQpe25uLnJlbW92ZSguLi50KSxMbigpfWNvbnN0cnVjdG9yKHQsZSl7Y29uc3Qgcz10aGlzLmNvbmZpZz1uZXcgX24oZSksbj1Ebih0KSxvPU9uKG4pO2lmKG8pdGhyb3cgbmV3IEVycm9yKCJDYW52YXMgaXMgYWxyZWFkeSBpbiB1c2UuIENoYXJ0IHdpdGggSUQgJyIrby5pZCsiJyBtdXN0IGJlIGRlc3Ryb3llZCBiZWZvcmUgdGhlIGNhbnZhcyB3aXRoIElEICciK28uY2FudmFzLmlkKyInIGNhbiBiZSByZXVzZWQuIik7Y29uc3QgYT1zLmNyZWF0ZVJlc29sdmVyKHMuY2hhcnRPcHRpb25TY29wZXMoKSx0aGlzLmdldENvbnRleHQoKSk7dGhpcy5wbGF0Zm9ybT1uZXcocy5wbGF0Zm9ybXx8UHMobikpLHRoaXMucGxhdGZvcm0udXBkYXRlQ29uZmlnKHMpO2NvbnN0IHI9dGhpcy5wbGF0Zm9ybS5hY3F1aXJlQ29udGV4dChuLGEuYXNwZWN0UmF0aW8pLGw9ciYmci5jYW52YXMsaD1sJiZsLmhlaWdodCxjPWwmJmwud2lkdGg7dGhpcy5pZD1pKCksdGhpcy5jdHg9cix0aGlzLmNhbnZhcz1sLHRoaXMud2lkdGg9Yyx0aGlzLmhlaWdodD1oLHRoaXMuX29wdGlvbnM9YSx0aGlzLl9hc3BlY3RSYXRpbz10aGlzLmFzcGVjdFJhdGlvLHRoaXMuX2xheWVycz1bXSx0aGlzLl9tZXRhc2V0cz1bXSx0aGlzLl9zdGFja3M9dm9pZCAwLHRoaXMuYm94ZXM9W10sdGhpcy5jdXJyZW50RGV2aWNlUGl4ZWxSYXRpbz12b2lkIDAsdGhpcy5jaGFydEFyZWE9dm9pZCAwLHRoaXMuX2FjdGl2ZT1bXSx0aGlzLl9sYXN0RXZlbnQ9dm9pZCAwLHRoaXMuX2xpc3RlbmVycz17fSx0aGlzLl9yZXNwb25zaXZlTGlzdGVuZXJzPXZvaWQgMCx0aGlzLl9zb3J0ZWRNZXRhc2V0cz1bXSx0aGlzLnNjYWxlcz17fSx0aGlzLl9wbHVnaW5zPW5ldyBvbix0aGlzLiRwcm94aWVzPXt9LHRoaXMuX2hpZGRlbkluZGljZXM9e30sdGhpcy5hdHRhY2hlZD0hMSx0aGlzLl9hbmltYXRpb25zRGlzYWJsZWQ9dm9pZCAwLHRoaXMuJGNvbnRleHQ9dm9pZCAwLHRoaXMuX2RvUmVzaXplPWR0KCh0PT50aGlzLnVwZGF0ZSh0KSksYS5yZXNpemVEZWxheXx8MCksdGhpcy5fZGF0YUNoYW5nZXM9W10sQ25bdGhpcy5pZF09dGhpcyxyJiZsPyhidC5saXN0ZW4odGhpcywiY29tcGxldGUiLFNuKSxidC5saXN0ZW4odGhpcywicHJvZ3Jlc3MiLFBuKSx0aGlzLl9pbml0aWFsaXplKCksdGhpcy5hdHRhY2hlZCYmdGhpcy51cGRhdGUoKSk6Y29uc29sZS5lcnJvcigiRmFpbGVkIHRvIGNyZWF0ZSBjaGFydDogY2FuJ3QgYWNxdWlyZSBjb250ZXh0IGZyb20gdGhlIGdpdmVuIGl0ZW0iKX1nZXQgYXNwZWN0UmF0aW8oKXtjb25zdHtvcHRpb25zOnthc3BlY3RSYXRpbzp0LG1haW50YWluQXNwZWN0UmF0aW86ZX0sd2lkdGg6aSxoZWlnaHQ6bixfYXNwZWN0UmF0aW86b309dGhpcztyZXR1cm4gcyh0KT9lJiZvP286bj9pL246bnVsbDp0fWdldCBkYXRhKCl7cmV0dXJuIHRoaXMuY29uZmlnLmRhdGF9c2V0IGRhdGEodCl7dGhpcy5jb25maWcuZGF0YT10fWdldCBvcHRpb25zKCl7cmV0dXJuIHRoaXMuX29wdGlvbnN9c2V0IG9wdGlvbnModCl7dGhpcy5jb25maWcub3B0aW9ucz10fWdldCByZWdpc3RyeSgpe3JldHVybiBubn1faW5pdGlhbGl6ZSgpe3JldHVybiB0aGlzLm5vdGlmeVBsdWdpbnMoImJlZm9yZUluaXQiKSx0aGlzLm9wdGlvbnMucmVzcG9uc2l2ZT90aGlzLnJlc2l6ZSgpOmtlKHRoaXMsdGhpcy5vcHRpb25zLmRldmljZVBpeGVsUmF0aW8pLHRoaXMuYmluZEV2ZW50cygpLHRoaXMubm90aWZ5UGx1Z2lucygiYWZ0ZXJJbml0IiksdGhpc31jbGVhcigpe3JldHVybiBUZSh0aGlzLmNhbnZhcyx0aGlzLmN0eCksdGhpc31zdG9wKCl7cmV0dXJuIGJ0LnN0b3AodGhpcyksdGhpc31yZXNpemUodCxlKXtidC5ydW5uaW5nKHRoaXMpP3RoaXMuX3Jlc2l6ZUJlZm9yZURyYXc9e3dpZHRoOnQsaGVpZ2h0OmV9OnRoaXMuX3Jlc2l6ZSh0LGUpfV9yZXNpemUodCxlKXtjb25zdCBpPXRoaXMub3B0aW9ucyxzPXRoaXMuY2FudmFzLG49aS5tYWludGFpbkFzcGVjdFJhdGlvJiZ0aGlzLmFzcGVjdFJhdGlvLG89dGhpcy5wbGF0Zm9ybS5nZXRNYXhpbXVtU2l6ZShzLHQsZSxuKSxhPWkuZGV2aWNlUGl4ZWxSYXRpb3x8dGhpcy5wbGF0Zm9ybS5nZXREZXZpY2VQaXhlbFJhdGlvKCkscj10aGlzLndpZHRoPyJyZXNpemUiOiJhdHRhY2giO3RoaXMud2lkdGg9by53aWR0aCx0aGlzLmhlaWdodD1vLmhlaWdodCx0aGlzLl9hc3BlY3RSYXRpbz10aGlzLmFzcGVjdFJhdGlvLGtlKHRoaXMsYSwhMCkmJih0aGlzLm5vdGlmeVBsdWdpbnMoInJlc2l6ZSIse3NpemU6b30pLGQoaS5vblJlc2l6ZSxbdGhpcyxvXSx0aGlzKSx0aGlzLmF0dGFjaGVkJiZ0aGlzLl9kb1Jlc2l6ZShyKSYmdGhpcy5yZW5kZXIoKSl9ZW5zdXJlU2NhbGVzSGF2ZUlEcygpe3UodGhpcy5vcHRpb25zLnNjYWxlc3x8e30sKCh0LGUpPT57dC5pZD1lfSkpfWJ1aWxkT3JVcGRhdGVTY2FsZXMoKXtjb25zdCB0PXRoaXMub3B0aW9ucyxlPXQuc2NhbGVzLGk9dGhpcy5zY2FsZXMscz1PYmplY3Qua2V5cyhpKS5yZWR1Y2UoKCh0LGUpPT4odFtlXT0hMSx0KSkse30pO2xldCBuPVtdO2UmJihuPW4uY29uY2F0KE9iamVjdC5rZXlzKGUpLm1hcCgodD0+e2NvbnN0IGk9ZVt0XSxzPWNuKHQsaSksbj0iciI9PT1zLG89IngiPT09cztyZXR1cm57b3B0aW9uczppLGRwb3NpdGlvbjpuPyJjaGFydEFyZWEiOm8/ImJvdHRvbSI6ImxlZnQiLGR0eXBlOm4/InJhZGlhbExpbmVhciI6bz8iY2F0ZWdvcnkiOiJsaW5lYXIifX0pKSkpLHUobiwoZT0+e2NvbnN0IG49ZS5vcHRpb25zLG89bi5pZCxhPWNuKG8sbikscj1sKG4udHlwZSxlLmR0eXBlKTt2b2lkIDAhPT1uLnBvc2l0aW9uJiZ3bihuLnBvc2l0aW9uLGEpPT09d24oZS5kcG9zaXRpb24pfHwobi5wb3NpdGlvbj1lLmRwb3NpdGlvbiksc1tvXT0hMDtsZXQgaD1udWxsO2lmKG8gaW4gaSYmaVtvXS50eXBlPT09ciloPWlbb107ZWxzZXtoPW5ldyhubi5nZXRTY2FsZShyKSkoe2lkOm8sdHlwZTpyLGN0eDp0aGlzLmN0eCxjaGFydDp0aGlzfSksaVtoLmlkXT1ofWguaW5pdChuLHQpfSkpLHUocywoKHQsZSk9Pnt0fHxkZWxldGUgaVtlXX0pKSx1KGksKHQ9Pntscy5jb25maWd1cmUodGhpcyx0LHQub3B0aW9ucyksbHMuYWRkQm94KHRoaXMsdCl9KSl9X3VwZGF0ZU1ldGFzZXRzKCl7Y29uc3QgdD10aGlzLl9tZXRhc2V0cyxlPXRoaXMuZGF0YS5kYXRhc2V0cy5sZW5ndGgsaT10Lmxlbmd0aDtpZih0LnNvcnQoKCh0LGUpPT50LmluZGV4LWUuaW5kZXgpKSxpPmUpe2ZvcihsZXQgdD1lO3Q8aTsrK3QpdGhpcy5fZGVzdHJveURhdGFzZXRNZXRhKHQpO3Quc3BsaWNlKGUsaS1lKX10aGlzLl9zb3J0ZWRNZXRhc2V0cz10LnNsaWNlKDApLnNvcnQoa24oIm9yZGVyIiwiaW5kZXgiKSl9X3JlbW92ZVVucmVmZXJlbmNlZE1ldGFzZXRzKCl7Y29uc3R7X21ldGFzZXRzOnQsZGF0YTp7ZGF0YXNldHM6ZX19PXRoaXM7dC5sZW5ndGg+ZS5sZW5ndGgmJmRlbGV0ZSB0aGlzLl9zdGFja3MsdC5mb3JFYWNoKCgodCxpKT0+ezA9PT1lLmZpbHRlcigoZT0+ZT09PXQuX2RhdGFzZXQpKS5sZW5ndGgmJnRoaXMuX2Rlc3Ryb3lEYXRhc2V0TWV0YShpKX0pKX1idWlsZE9yVXBkYXRlQ29udHJvbGxlcnMoKXtjb25zdCB0PVtdLGU9dGhpcy5kYXRhLmRhdGFzZXRzO2xldCBpLHM7Zm9yKHRoaXMuX3JlbW92ZVVucmVmZXJlbmNlZE1ldGFzZXRzKCksaT0wLHM9ZS5sZW5ndGg7aTxzO2krKyl7Y29uc3Qgcz1lW2ldO2xldCBuPXRoaXMuZ2V0RGF0YXNldE1ldGEoaSk7Y29uc3Qgbz1zLnR5cGV8fHRoaXMuY29uZmlnLnR5cGU7aWYobi50eXBlJiZuLnR5cGUhPT1vJiYodGhpcy5fZGVzdHJveURhdGFzZXRNZXRhKGkpLG49dGhpcy5nZXREYXRhc2V0TWV0YShpKSksbi50eXBlPW8sbi5pbmRleEF4aXM9cy5pbmRleEF4aXN8fGxuKG8sdGhpcy5vcHRpb25zKSxuLm9yZGVyPXMub3JkZXJ8fDAsbi5pbmRleD1pLG4ubGFiZWw9IiIrcy5sYWJlbCxuLnZpc2libGU9dGhpcy5pc0RhdGFzZXRWaXNpYmxlKGkpLG4uY29udHJvbGxlciluLmNvbnRyb2xsZXIudXBkYXRlSW5kZXgoaSksbi5jb250cm9sbGVyLmxpbmtTY2FsZXMoKTtlbHNle2NvbnN0IGU9bm4uZ2V0Q29udHJvbGxlcihvKSx7ZGF0YXNldEVsZW1lbnRUeXBlOnMsZGF0YUVsZW1lbnRUeXBlOmF9PXVlLmRhdGFzZXRzW29dO09iamVjdC5hc3NpZ24oZSx7ZGF0YUVsZW1lbnRUeXBlOm5uLmdldEVsZW1lbnQoYSksZGF0YXNldEVsZW1lbnRUeXBlOnMmJm5uLmdldEVsZW1lbnQocyl9KSxuLmNvbnRyb2xsZXI9bmV3IGUodGhpcyxpKSx0LnB1c2gobi5jb250cm9sbGVyKX19cmV0dXJuIHRoaXMuX3VwZGF0ZU1ldGFzZXRzKCksdH1fcmVzZXRFbGVtZW50cygpe3UodGhpcy5kYXRhLmRhdGFzZXRzLCgodCxlKT0+e3RoaXMuZ2V0RGF0YXNldE1ldGEoZSkuY29udHJvbGxlci5yZXNldCgpfSksdGhpcyl9cmVzZXQoKXt0aGlzLl9yZXNldEVsZW1lbnRzKCksdGhpcy5ub3RpZnlQbHVnaW5zKCJyZXNldCIpfXVwZGF0ZSh0KXtjb25zdCBlPXRoaXMuY29uZmlnO2UudXBkYXRlKCk7Y29uc3QgaT10aGlzLl9vcHRpb25zPWUuY3JlYXRlUmVzb2x2ZXIoZS5jaGFydE9wdGlvblNjb3BlcygpLHRoaXMuZ2V0Q29udGV4dCgpKSxzPXRoaXMuX2FuaW1hdGlvbnNEaXNhYmxlZD0haS5hbmltYXRpb247aWYodGhpcy5fdXBkYXRlU2NhbGVzKCksdGhpcy5fY2hlY2tFdmVudEJpbmRpbmdzKCksdGhpcy5fdXBkYXRlSGlkZGVuSW5kaWNlcygpLHRoaXMuX3BsdWdpbnMuaW52YWxpZGF0ZSgpLCExPT09dGhpcy5ub3RpZnlQbHVnaW5zKCJiZWZvcmVVcGRhdGUiLHttb2RlOnQsY2FuY2VsYWJsZTohMH0pKXJldHVybjtjb25zdCBuPXRoaXMuYnVpbGRPclVwZGF0ZUNvbnRyb2xsZXJzKCk7dGhpcy5ub3RpZnlQbHVnaW5zKCJiZWZvcmVFbGVtZW50c1VwZGF0ZSIpO2xldCBvPTA7Zm9yKGxldCB0PTAsZT10aGlzLmRhdGEuZGF0YXNldHMubGVuZ3RoO3Q8ZTt0Kyspe2NvbnN0e2NvbnRyb2xsZXI6ZX09dGhpcy5nZXREYXRhc2V0TWV0YSh0KSxpPSFzJiYtMT09PW4uaW5kZXhPZihlKTtlLmJ1aWxkT3JVcGRhdGVFbGVtZW50cyhpKSxvPU1hdGgubWF4KCtlLmdldE1heE92ZXJmbG93KCksbyl9bz10aGlzLl9taW5QYWRkaW5nPWkubGF5b3V0LmF1dG9QYWRkaW5nP286MCx0aGlzLl91cGRhdGVMYXlvdXQobyksc3x8dShuLCh0PT57dC5yZXNldCgpfSkpLHRoaXMuX3VwZGF0ZURhdGFzZXRzKHQpLHRoaXMubm90aWZ5UGx1Z2lucygiYWZ0ZXJVcGRhdGUiLHttb2RlOnR9KSx0aGlzLl9sYXllcnMuc29ydChrbigieiIsIl9pZHgiKSk7Y29uc3R7X2FjdGl2ZTphLF9sYXN0RXZlbnQ6cn09dGhpcztyP3RoaXMuX2V2ZW50SGFuZGxlcihyLCEwKTphLmxlbmd0aCYmdGhpcy5fdXBkYXRlSG92ZXJTdHlsZXMoYSxhLCEwKSx0aGlzLnJlbmRlcigpfV91cGRhdGVTY2FsZXMoKXt1KHRoaXMuc2NhbGVzLCh0PT57bHMucmVtb3ZlQm94KHRoaXMsdCl9KSksdGhpcy5lbnN1cmVTY2FsZXNIYXZlSURzKCksdGhpcy5idWlsZE9yVXBkYXRlU2NhbGVzKCl9X2NoZWNrRXZlbnRCaW5kaW5ncygpe2NvbnN0IHQ9dGhpcy5vcHRpb25zLGU9bmV3IFNldChPYmplY3Qua2V5cyh0aGlzLl9saXN0ZW5lcnMpKSxpPW5ldyBTZXQodC5ldmVudHMpO1AoZSxpKSYmISF0aGlzLl9yZXNwb25zaXZlTGlzdGVuZXJzPT09dC5yZXNwb25zaXZlfHwodGhpcy51bmJpbmRFdmVudHMoKSx0aGlzLmJpbmRFdmVudHMoKSl9X3VwZGF0ZUhpZGRlbkluZGljZXMoKXtjb25zdHtfaGlkZGVuSW5kaWNlczp0fT10aGlzLGU9dGhpcy5fZ2V0VW5pZm9ybURhdGFDaGFuZ2VzKCl8fFtdO2Zvcihjb25zdHttZXRob2Q6aSxzdGFydDpzLGNvdW50Om59b2YgZSl7QW4odCxzLCJfcmVtb3ZlRWxlbWVudHMiPT09aT8tbjpuKX19X2dldFVuaWZvcm1EYXRhQ2hhbmdlcygpe2NvbnN0IHQ9dGhpcy5fZGF0YUNoYW5nZXM7aWYoIXR8fCF0Lmxlbmd0aClyZXR1cm47dGhpcy5fZGF0YUNoYW5nZXM9W107Y29uc3QgZT10aGlzLmRhdGEuZGF0YXNldHMubGVuZ3RoLGk9ZT0+bmV3IFNldCh0LmZpbHRlcigodD0+dFswXT09PWUpKS5tYXAoKCh0LGUpPT5lKyIsIit0LnNwbGljZSgxKS5qb2luKCIsIikpKSkscz1pKDApO2ZvcihsZXQgdD0xO3Q8ZTt0KyspaWYoIVAocyxpKHQpKSlyZXR1cm47cmV0dXJuIEFycmF5LmZyb20ocykubWFwKCh0PT50LnNwbGl0KCIsIikpKS5tYXAoKHQ9Pih7bWV0aG9kOnRbMV0sc3RhcnQ6K3RbMl0sY291bnQ6K3RbM119KSkpfV91cGRhdGVMYXlvdXQodCl7aWYoITE9PT10aGlzLm5vdGlmeVBsdWdpbnMoImJlZm9yZUxheW91dCIse2NhbmNlbGFibGU6ITB9KSlyZXR1cm47bHMudXBkYXRlKHRoaXMsdGhpcy53aWR0aCx0aGlzLmhlaWdodCx0KTtjb25zdCBlPXRoaXMuY2hhcnRBcmVhLGk9ZS53aWR0aDw9MHx8ZS5oZWlnaHQ8PTA7dGhpcy5fbGF5ZXJzPVtdLHUodGhpcy5ib3hlcywodD0+e2kmJiJjaGFydEFyZWEiPT09dC5wb3NpdGlvbnx8KHQuY29uZmlndXJlJiZ0LmNvbmZpZ3VyZSgpLHRoaXMuX2xheWVycy5wdXNoKC4uLnQuX2xheWVycygpKSl9KSx0aGlzKSx0aGlzLl9sYXllcnMuZm9yRWFjaCgoKHQsZSk9Pnt0Ll9pZHg9ZX0pKSx0aGlzLm5vdGlmeVBsdWdpbnMoImFmdGVyTGF5b3V0Iil9X3VwZGF0ZURhdGFzZXRzKHQpe2lmKCExIT09dGhpcy5ub3RpZnlQbHVnaW5zKCJiZWZvcmVEYXRhc2V0c1VwZGF0ZSIse21vZGU6dCxjYW5jZWxhYmxlOiEwfSkpe2ZvcihsZXQgdD0wLGU9dGhpcy5kYXRhLmRhdGFzZXRzLmxlbmd0aDt0PGU7Kyt0KXRoaXMuZ2V0RGF0YXNldE1ldGEodCkuY29udHJvbGxlci5jb25maWd1cmUoKTtmb3IobGV0IGU9MCxpPXRoaXMuZGF0YS5kYXRhc2V0cy5sZW5ndGg7ZTxpOysrZSl0aGlzLl91cGRhdGVEYXRhc2V0KGUsUyh0KT90KHtkYXRhc2V0SW5kZXg6ZX0pOnQpO3RoaXMubm90aWZ5UGx1Z2lucygiYWZ0ZXJEYXRhc2V0c1VwZGF0ZSIse21vZGU6dH0pfX1fdXBkYXRlRGF0YXNldCh0LGUpe2NvbnN0IGk9dGhpcy5nZXREYXRhc2V0TWV0YSh0KSxzPXttZXRhOmksaW5kZXg6dCxtb2RlOmUsY2FuY2VsYWJsZTohMH07ITEhPT10aGlzLm5vdGlmeVBsdWdpbnMoImJlZm9yZURhdGFzZXRVcGRhdGUiLHMpJiYoaS5jb250cm9sbGVyLl91cGRhdGUoZSkscy5jYW5jZWxhYmxlPSExLHRoaXMubm90aWZ5UGx1Z2lucygiYWZ0ZXJEYXRhc2V0VXBkYXRlIixzKSl9cmVuZGVyKCl7ITEhPT10aGlzLm5vdGlmeVBsdWdpbnMoImJlZm9yZVJlbmRlciIse2NhbmNlbGFibGU6ITB9KSYmKGJ0Lmhhcyh0aGlzKT90aGlzLmF0dGFjaGVkJiYhYnQucnVubmluZyh0aGlzKSYmYnQuc3RhcnQodGhpcyk6KHRoaXMuZHJhdygpLFNuKHtjaGFydDp0aGlzfSkpKX1kcmF3KCl7bGV0IHQ7aWYodGhpcy5fcmVzaXplQmVmb3JlRHJhdyl7Y29uc3R7d2lkdGg6dCxoZWlnaHQ6ZX09dGhpcy5fcmVzaXplQmVmb3JlRHJhdzt0aGlzLl9yZXNpemVCZWZvcmVEcmF3PW51bGwsdGhpcy5fcmVzaXplKHQsZSl9aWYodGhpcy5jbGVhcigpLHRoaXMud2lkdGg8PTB8fHRoaXMuaGVpZ2h0PD0wKXJldHVybjtpZighMT09PXRoaXMubm90aWZ5UGx1Z2lucygiYmVmb3JlRHJhdyIse2NhbmNlbGFibGU6ITB9KSlyZXR1cm47Y29uc3QgZT10aGlzLl9sYXllcnM7Zm9yKHQ9MDt0PGUubGVuZ3RoJiZlW3RdLno8PTA7Kyt0KWVbdF0uZHJhdyh0aGlzLmNoYXJ0QXJlYSk7Zm9yKHRoaXMuX2RyYXdEYXRhc2V0cygpO3Q8ZS5sZW5ndGg7Kyt0KWVbdF0uZHJhdyh0aGlzLmNoYXJ0QXJlYSk7dGhpcy5ub3RpZnlQbHVnaW5zKCJhZnRlckRyYXciKX1fZ2V0U29ydGVkRGF0YXNldE1ldGFzKHQpe2NvbnN0IGU9dGhpcy5fc29ydGVkTWV0YXNldHMsaT1bXTtsZXQgcyxuO2ZvcihzPTAsbj1lLmxlbmd0aDtzPG47KytzKXtjb25zdCBuPWVbc107dCYmIW4udmlzaWJsZXx8aS5wdXNoKG4pfXJldHVybiBpfWdldFNvcnRlZFZpc2libGVEYXRhc2V0TWV0YXMoKXtyZXR1cm4gdGhpcy5fZ2V0U29ydGVkRGF0YXNldE1ldGFzKCEwKX1fZHJhd0RhdGFzZXRzKCl7aWYoITE9PT10aGlzLm5vdGlmeVBsdWdpbnMoImJlZm9yZURhdGFzZXRzRHJhdyIse2NhbmNlbGFibGU6ITB9KSlyZXR1cm47Y29uc3QgdD10aGlzLmdldFNvcnRlZFZpc2libGVEYXRhc2V0TWV0YXMoKTtmb3IobGV0IGU9dC5sZW5ndGgtMTtlPj0wOy0tZSl0aGlzLl9kcmF3RGF0YXNldCh0W2VdKTt0aGlzLm5vdGlmeVBsdWdpbnMoImFmdGVyRGF0YXNldHNEcmF3Iil9X2RyYXdEYXRhc2V0KHQpe2NvbnN0IGU9dGhpcy5jdHgsaT17bWV0YTp0LGluZGV4OnQuaW5kZXgsY2FuY2VsYWJsZTohMH0scz1XaSh0aGlzLHQpOyExIT09dGhpcy5ub3RpZnlQbHVnaW5zKCJiZWZvcmVEYXRhc2V0RHJhdyIsaSkmJihzJiZJZShlLHMpLHQuY29udHJvbGxlci5kcmF3KCkscyYmemUoZSksaS5jYW5jZWxhYmxlPSExLHRoaXMubm90aWZ5UGx1Z2lucygiYWZ0ZXJEYXRhc2V0RHJhdyIsaSkpfWlzUG9pbnRJbkFyZWEodCl7cmV0dXJuIFJlKHQsdGhpcy5jaGFydEFyZWEsdGhpcy5fbWluUGFkZGluZyl9Z2V0RWxlbWVudHNBdEV2ZW50Rm9yTW9kZSh0LGUsaSxzKXtjb25zdCBuPUtpLm1vZGVzW2VdO3JldHVybiJmdW5jdGlvbiI9PXR5cGVvZiBuP24odGhpcyx0LGkscyk6W119Z2V0RGF0YXNldE1ldGEodCl7Y29uc3QgZT10aGlzLmRhdGEuZGF0YXNldHNbdF0saT10aGlzLl9tZXRhc2V0cztsZXQgcz1pLmZpbHRlcigodD0+dCYmdC5fZGF0YXNldD09PWUpKS5wb3AoKTtyZXR1cm4gc3x8KHM9e3R5cGU6bnVsbCxkYXRhOltdLGRhdGFzZXQ6bnVsbCxjb250cm9sbGVyOm51bGwsaGlkZGVuOm51bGwseEF4aXNJRDpudWxsLHlBeGlzSUQ6bnVsbCxvcmRlcjplJiZlLm9yZGVyfHwwLGluZGV4OnQsX2RhdGFzZXQ6ZSxfcGFyc2VkOltdLF9zb3J0ZWQ6ITF9LGkucHVzaChzKSksc31nZXRDb250ZXh0KCl7cmV0dXJuIHRoaXMuJGNvbnRleHR8fCh0aGlzLiRjb250ZXh0PUNpKG51bGwse2NoYXJ0OnRoaXMsdHlwZToiY2hhcnQifSkpfWdldFZpc2libGVEYXRhc2V0Q291bnQoKXtyZXR1cm4gdGhpcy5nZXRTb3J0ZWRWaXNpYmxlRGF0YXNldE1ldGFzKCkubGVuZ3RofWlzRGF0YXNldFZpc2libGUodCl7Y29uc3QgZT10aGlzLmRhdGEuZGF0YXNldHNbdF07aWYoIWUpcmV0dXJuITE7Y29uc3QgaT10aGlzLmdldERhdGFzZXRNZXRhKHQpO3JldHVybiJib29sZWFuIj09dHlwZW9mIGkuaGlkZGVuPyFpLmhpZGRlbjohZS5oaWRkZW59c2V0RGF0YXNldFZpc2liaWxpdHkodCxlKXt0aGlzLmdldERhdGFzZXRNZXRhKHQpLmhpZGRlbj0hZX10b2dnbGVEYXRhVmlzaWJpbGl0eSh0KXt0aGlzLl9oaWRkZW5JbmRpY2VzW3RdPSF0aGlzLl9oaWRkZW5JbmRpY2VzW3RdfWdldERhdGFWaXNpYmlsaXR5KHQpe3JldHVybiF0aGlzLl9oaWRkZW5JbmRpY2VzW3RdfV91cGRhdGVWaXNpYmlsaXR5KHQsZSxpKXtjb25zdCBzPWk/InNob3ciOiJoaWRlIixuPXRoaXMuZ2V0RGF0YXNldE1ldGEodCksbz1uLmNvbnRyb2xsZXIuX3Jlc29sdmVBbmltYXRpb25zKHZvaWQgMCxzKTtrKGUpPyhuLmRhdGFbZV0uaGlkZGVuPSFpLHRoaXMudXBkYXRlKCkpOih0aGlzLnNldERhdGFzZXRWaXNpYmlsaXR5KHQsaSksby51cGRhdGUobix7dmlzaWJsZTppfSksdGhpcy51cGRhdGUoKGU9PmUuZGF0YXNldEluZGV4PT09dD9zOnZvaWQgMCkpKX1oaWRlKHQsZSl7dGhpcy5fdXBkYXRlVmlzaWJpbGl0eSh0LGUsITEpfXNob3codCxlKXt0aGlzLl91cGRhdGVWaXNpYmlsaXR5KHQsZSwhMCl9X2Rlc3Ryb3lEYXRhc2V0TWV0YSh0KXtjb25zdCBlPXRoaXMuX21ldGFzZXRzW3RdO2UmJmUuY29udHJvbGxlciYmZS5jb250cm9sbGVyLl9kZXN0cm95KCksZGVsZXRlIHRoaXMuX21ldGFzZXRzW3RdfV9zdG9wKCl7bGV0IHQsZTtmb3IodGhpcy5zdG9wKCksYnQucmVtb3ZlKHRoaXMpLHQ9MCxlPXRoaXMuZGF0YS5kYXRhc2V0cy5sZW5ndGg7dDxlOysrdCl0aGlzLl9kZXN0cm95RGF0YXNldE1ldGEodCl9ZGVzdHJveSgpe3RoaXMubm90aWZ5UGx1Z2lucygiYmVmb3JlRGVzdHJveSIpO2NvbnN0e2NhbnZhczp0LGN0eDplfT10aGlzO3RoaXMuX3N0b3AoKSx0aGlzLmNvbmZpZy5jbGVhckNhY2hlKCksdCYmKHRoaXMudW5iaW5kRXZlbnRzKCksVGUodCxlKSx0aGlzLnBsYXRmb3JtLnJlbGVhc2VDb250ZXh0KGUpLHRoaXMuY2FudmFzPW51bGwsdGhpcy5jdHg9bnVsbCksZGVsZXRlIENuW3RoaXMuaWRdLHRoaXMubm90aWZ5UGx1Z2lucygiYWZ0ZXJEZXN0cm95Iil9dG9CYXNlNjRJbWFnZSguLi50KXtyZXR1cm4gdGhpcy5jYW52YXMudG9EYXRhVVJMKC4uLnQpfWJpbmRFdmVudHMoKXt0aGlzLmJpbmRVc2VyRXZlbnRzKCksdGhpcy5vcHRpb25zLnJlc3BvbnNpdmU/dGhpcy5iaW5kUmVzcG9uc2l2ZUV2ZW50cygpOnRoaXMuYXR0YWNoZWQ9ITB9YmluZFVzZXJFdmVudHMoKXtjb25zdCB0PXRoaXMuX2xpc3RlbmVycyxlPXRoaXMucGxhdGZvcm0saT0oaSxzKT0+e2UuYWRkRXZlbnRMaXN0ZW5lcih0aGlzLGkscyksdFtpXT1zfSxzPSh0LGUsaSk9Pnt0Lm9mZnNldFg9ZSx0Lm9mZnNldFk9aSx0aGlzLl9ldmVudEhhbmRsZXIodCl9O3UodGhpcy5vcHRpb25zLmV2ZW50cywodD0+aSh0LHMpKSl9YmluZFJlc3BvbnNpdmVFdmVudHMoKXt0aGlzLl9yZXNwb25zaXZlTGlzdGVuZXJzfHwodGhpcy5fcmVzcG9uc2l2ZUxpc3RlbmVycz17fSk7Y29uc3QgdD10aGlzLl9yZXNwb25zaXZlTGlzdGVuZXJzLGU9dGhpcy5wbGF0Zm9ybSxpPShpLHMpPT57ZS5hZGRFdmVudExpc3RlbmVyKHRoaXMsaSxzKSx0W2ldPXN9LHM9KGkscyk9Pnt0W2ldJiYoZS5yZW1vdmVFdmVudExpc3RlbmVyKHRoaXMsaSxzKSxkZWxldGUgdFtpXSl9LG49KHQsZSk9Pnt0aGlzLmNhbnZhcyYmdGhpcy5yZXNpemUodCxlKX07bGV0IG87Y29uc3QgYT0oKT0+e3MoImF0dGFjaCIsYSksdGhpcy5hdHRhY2hlZD0hMCx0aGlzLnJlc2l6ZSgpLGkoInJlc2l6ZSIsbiksaSgiZGV0YWNoIixvKX07bz0oKT0+e3RoaXMuYXR0YWNoZWQ9ITEscygicmVzaXplIixuKSx0aGlzLl9zdG9wKCksdGhpcy5fcmVzaXplKDAsMCksaSgiYXR0YWNoIixhKX0sZS5pc0F0dGFjaGVkKHRoaXMuY2FudmFzKT9hKCk6bygpfXVuYmluZEV2ZW50cygpe3UodGhpcy5fbGlzdGVuZXJzLCgodCxlKT0+e3RoaXMucGxhdGZvcm0ucmVtb3ZlRXZlbnRMaXN0ZW5lcih0aGlzLGUsdCl9KSksdGhpcy5fbGlzdGVuZXJzPXt9LHUodGhpcy5fcmVzcG9uc2l2ZUxpc3RlbmVycywoKHQsZSk9Pnt0aGlzLnBsYXRmb3JtLnJlbW92ZUV2ZW50TGlzdGVuZXIodGhpcyxlLHQpfSkpLHRoaXMuX3Jlc3BvbnNpdmVMaXN0ZW5lcnM9dm9pZCAwfXVwZGF0ZUhvdmVyU3R5bGUodCxlLGkpe2NvbnN0IHM9aT8ic2V0IjoicmVtb3ZlIjtsZXQgbixvLGEscjtmb3IoImRhdGFzZXQiPT09ZSYmKG49dGhpcy5nZXREYXRhc2V0TWV0YSh0WzBdLmRhdGFzZXRJbmRleCksbi5jb250cm9sbGVyWyJfIitzKyJEYXRhc2V0SG92ZXJTdHlsZSJdKCkpLGE9MCxyPXQubGVuZ3RoO2E8cjsrK2Epe289dFthXTtjb25zdCBlPW8mJnRoaXMuZ2V0RGF0YXNldE1ldGEoby5kYXRhc2V0SW5kZXgpLmNvbnRyb2xsZXI7ZSYmZVtzKyJIb3ZlclN0eWxlIl0oby5lbGVtZW50LG8uZGF0YXNldEluZGV4LG8uaW5kZXgpfX1nZXRBY3RpdmVFbGVtZW50cygpe3JldHVybiB0aGlzLl9hY3RpdmV8fFtdfXNldEFjdGl2ZUVsZW1lbnRzKHQpe2NvbnN0IGU9dGhpcy5fYWN0aXZlfHxbXSxpPXQubWFwKCgoe2RhdGFzZXRJbmRleDp0LGluZGV4OmV9KT0+e2NvbnN0IGk9dGhpcy5nZXREYXRhc2V0TWV0YSh0KTtpZighaSl0aHJvdyBuZXcgRXJyb3IoIk5vIGRhdGFzZXQgZm91bmQgYXQgaW5kZXggIit0KTtyZXR1cm57ZGF0YXNldEluZGV4OnQsZWxlbWVudDppLmRhdGFbZV0saW5kZXg6ZX19KSk7IWYoaSxlKSYmKHRoaXMuX2FjdGl2ZT1pLHRoaXMuX2xhc3RFdmVudD1udWxsLHRoaXMuX3VwZGF0ZUhvdmVyU3R5bGVzKGksZSkpfW5vdGlmeVBsdWdpbnModCxlLGkpe3JldHVybiB0aGlzLl9wbHVnaW5zLm5vdGlmeSh0aGlzLHQsZSxpKX1pc1BsdWdpbkVuYWJsZWQodCl7cmV0dXJuIDE9PT10aGlzLl9wbHVnaW5zLl9jYWNoZS5maWx0ZXIoKGU9PmUucGx1Z2luLmlkPT09dCkpLmxlbmd0aH1fdXBkYXRlSG92ZXJTdHlsZXModCxlLGkpe2NvbnN0IHM9dGhpcy5vcHRpb25zLmhvdmVyLG49KHQsZSk9PnQuZmlsdGVyKCh0PT4hZS5zb21lKChlPT50LmRhdGFzZXRJbmRleD09PWUuZGF0YXNldEluZGV4JiZ0LmluZGV4PT09ZS5pbmRleCkpKSksbz1uKGUsdCksYT1pP3Q6bih0LGUpO28ubGVuZ3RoJiZ0aGlzLnVwZGF0ZUhvdmVyU3R5bGUobyxzLm1vZGUsITEpLGEubGVuZ3RoJiZzLm1vZGUmJnRoaXMudXBkYXRlSG92ZXJTdHlsZShhLHMubW9kZSwhMCl9X2V2ZW50SGFuZGxlcih0LGUpe2NvbnN0IGk9e2V2ZW50OnQscmVwbGF5OmUsY2FuY2VsYWJsZTohMCxpbkNoYXJ0QXJlYTp0aGlzLmlzUG9pbnRJbkFyZWEodCl9LHM9ZT0+KGUub3B0aW9ucy5ldmVudHN8fHRoaXMub3B0aW9ucy5ldmVudHMpLmluY2x1ZGVzKHQubmF0aXZlLnR5cGUpO2lmKCExPT09dGhpcy5ub3RpZnlQbHVnaW5zKCJiZWZvcmVFdmVudCIsaSxzKSlyZXR1cm47Y29uc3Qgbj10aGlzLl9oYW5kbGVFdmVudCh0LGUsaS5pbkNoYXJ0QXJlYSk7cmV0dXJuIGkuY2FuY2VsYWJsZT0hMSx0aGlzLm5vdGlmeVBsdWdpbnMoImFmdGVyRXZlbnQiLGkscyksKG58fGkuY2hhbmdlZCkmJnRoaXMucmVuZGVyKCksdGhpc31faGFuZGxlRXZlbnQodCxlLGkpe2NvbnN0e19hY3RpdmU6cz1bXSxvcHRpb25zOm59PXRoaXMsbz1lLGE9dGhpcy5fZ2V0QWN0aXZlRWxlbWVudHModCxzLGksbykscj1EKHQpLGw9ZnVuY3Rpb24odCxlLGkscyl7cmV0dXJuIGkmJiJtb3VzZW91dCIhPT10LnR5cGU/cz9lOnQ6bnVsbH0odCx0aGlzLl9sYXN0RXZlbnQsaSxyKTtpJiYodGhpcy5fbGFzdEV2ZW50PW51bGwsZChuLm9uSG92ZXIsW3QsYSx0aGlzXSx0aGlzKSxyJiZkKG4ub25DbGljayxbdCxhLHRoaXNdLHRoaXMpKTtjb25zdCBoPSFmKGEscyk7cmV0dXJuKGh8fGUpJiYodGhpcy5fYWN0aXZlPWEsdGhpcy5fdXBkYXRlSG92ZXJTdHlsZXMoYSxzLGUpKSx0aGlzLl9sYXN0RXZlbnQ9bCxofV9nZXRBY3RpdmVFbGVtZW50cyh0LGUsaSxzKXtpZigibW91c2VvdXQiPT09dC50eXBlKXJldHVybltdO2lmKCFpKXJldHVybiBlO2NvbnN0IG49dGhpcy5vcHRpb25zLmhvdmVyO3JldHVybiB0aGlzLmdldEVsZW1lbnRzQXRFdmVudEZvck1vZGUodCxuLm1vZGUsbixzKX19ZnVuY3Rpb24gTG4oKXtyZXR1cm4gdShUbi5pbnN0YW5jZXMsKHQ9PnQuX3BsdWdpbnMuaW52YWxpZGF0ZSgpKSl9ZnVuY3Rpb24gRW4oKXt0aHJvdyBuZXcgRXJyb3IoIlRoaXMgbWV0aG9kIGlzIG5vdCBpbXBsZW1lbnRlZDogQ2hlY2sgdGhhdCBhIGNvbXBsZXRlIGRhdGUgYWRhcHRlciBpcyBwcm92aWRlZC4iKX1jbGFzcyBSbntzdGF0aWMgb3ZlcnJpZGUodCl7T2JqZWN0LmFzc2lnbihSbi5wcm90b3R5cGUsdCl9b3B0aW9ucztjb25zdHJ1Y3Rvcih0KXt0aGlzLm9wdGlvbnM9dHx8e319aW5pdCgpe31mb3JtYXRzKCl7cmV0dXJuIEVuKCl9cGFyc2UoKXtyZXR1cm4gRW4oKX1mb3JtYXQoKXtyZXR1cm4gRW4oKX1hZGQoKXtyZXR1cm4gRW4oKX1kaWZmKCl7cmV0dXJuIEVuKCl9c3RhcnRPZigpe3JldHVybiBFbigpfWVuZE9mKCl7cmV0dXJuIEVuKCl9fXZhciBJbj17X2RhdGU6Um59O2Z1bmN0aW9uIHpuKHQpe2NvbnN0IGU9dC5pU2NhbGUsaT1mdW5jdGlvbih0LGUpe2lmKCF0Ll9jYWNoZS4kYmFyKXtjb25zdCBpPXQuZ2V0TWF0Y2hpbmdWaXNpYmxlTWV0YXMoZSk7bGV0IHM9W107Zm9yKGxldCBlPTAsbj1pLmxlbmd0aDtlPG47ZSsrKXM9cy5jb25jYXQoaVtlXS5jb250cm9sbGVyLmdldEFsbFBhcnNlZFZhbHVlcyh0KSk7dC5fY2FjaGUuJGJhcj1sdChzLnNvcnQoKCh0LGUpPT50LWUpKSl9cmV0dXJuIHQuX2NhY2hlLiRiYXJ9KGUsdC50eXBlKTtsZXQgcyxuLG8sYSxyPWUuX2xlbmd0aDtjb25zdCBsPSgpPT57MzI3NjchPT1vJiYtMzI3NjghPT1vJiYoayhhKSYmKHI9TWF0aC5taW4ocixNYXRoLmFicyhvLWEpfHxyKSksYT1vKX07Zm9yKHM9MCxuPWkubGVuZ3RoO3M8bjsrK3Mpbz1lLmdldFBpeGVsRm9yVmFsdWUoaVtzXSksbCgpO2ZvcihhPXZvaWQgMCxzPTAsbj1lLnRpY2tzLmxlbmd0aDtzPG47KytzKW89ZS5nZXRQaXhlbEZvclRpY2socyksbCgpO3JldHVybiByfWZ1bmN0aW9uIEZuKHQsZSxpLHMpe3JldHVybiBuKHQpP2Z1bmN0aW9uKHQsZSxpLHMpe2NvbnN0IG49aS5wYXJzZSh0WzBdLHMpLG89aS5wYXJzZSh0WzFdLHMpLGE9TWF0aC5taW4obixvKSxyPU1hdGgubWF4KG4sbyk7bGV0IGw9YSxoPXI7TWF0aC5hYnMoYSk+TWF0aC5hYnMocikmJihsPXIsaD1hKSxlW2kuYXhpc109aCxlLl9jdXN0b209e2JhclN0YXJ0OmwsYmFyRW5kOmgsc3RhcnQ6bixlbmQ6byxtaW46YSxtYXg6cn19KHQsZSxpLHMpOmVbaS5heGlzXT1pLnBhcnNlKHQscyksZX1mdW5jdGlvbiBWbih0LGUsaSxzKXtjb25zdCBuPXQuaVNjYWxlLG89dC52U2NhbGUsYT1uLmdldExhYmVscygpLHI9bj09PW8sbD1bXTtsZXQgaCxjLGQsdTtmb3IoaD1pLGM9aStzO2g8YzsrK2gpdT1lW2hdLGQ9e30sZFtuLmF4aXNdPXJ8fG4ucGFyc2UoYVtoXSxoKSxsLnB1c2goRm4odSxkLG8saCkpO3JldHVybiBsfWZ1bmN0aW9uIEJuKHQpe3JldHVybiB0JiZ2b2lkIDAhPT10LmJhclN0YXJ0JiZ2b2lkIDAhPT10LmJhckVuZH1mdW5jdGlvbiBObih0LGUsaSxzKXtsZXQgbj1lLmJvcmRlclNraXBwZWQ7Y29uc3Qgbz17fTtpZighbilyZXR1cm4gdm9pZCh0LmJvcmRlclNraXBwZWQ9byk7aWYoITA9PT1uKXJldHVybiB2b2lkKHQuYm9yZGVyU2tpcHBlZD17dG9wOiEwLHJpZ2h0OiEwLGJvdHRvbTohMCxsZWZ0OiEwfSk7Y29uc3R7c3RhcnQ6YSxlbmQ6cixyZXZlcnNlOmwsdG9wOmgsYm90dG9tOmN9PWZ1bmN0aW9uKHQpe2xldCBlLGkscyxuLG87cmV0dXJuIHQuaG9yaXpvbnRhbD8oZT10LmJhc2U+dC54LGk9ImxlZnQiLHM9InJpZ2h0Iik6KGU9dC5iYXNlPHQueSxpPSJib3R0b20iLHM9InRvcCIpLGU/KG49ImVuZCIsbz0ic3RhcnQiKToobj0ic3RhcnQiLG89ImVuZCIpLHtzdGFydDppLGVuZDpzLHJldmVyc2U6ZSx0b3A6bixib3R0b206b319KHQpOyJtaWRkbGUiPT09biYmaSYmKHQuZW5hYmxlQm9yZGVyUmFkaXVzPSEwLChpLl90b3B8fDApPT09cz9uPWg6KGkuX2JvdHRvbXx8MCk9PT1zP249Yzoob1tXbihjLGEscixsKV09ITAsbj1oKSksb1tXbihuLGEscixsKV09ITAsdC5ib3JkZXJTa2lwcGVkPW99ZnVuY3Rpb24gV24odCxlLGkscyl7dmFyIG4sbyxhO3JldHVybiBzPyhhPWksdD1Ibih0PShuPXQpPT09KG89ZSk/YTpuPT09YT9vOm4saSxlKSk6dD1Ibih0LGUsaSksdH1mdW5jdGlvbiBIbih0LGUsaSl7cmV0dXJuInN0YXJ0Ij09PXQ/ZToiZW5kIj09PXQ/aTp0fWZ1bmN0aW9uIGpuKHQse2luZmxhdGVBbW91bnQ6ZX0saSl7dC5pbmZsYXRlQW1vdW50PSJhdXRvIj09PWU/MT09PWk/LjMzOjA6ZX1jbGFzcyAkbiBleHRlbmRzIGpze3N0YXRpYyBpZD0iZG91Z2hudXQiO3N0YXRpYyBkZWZhdWx0cz17ZGF0YXNldEVsZW1lbnRUeXBlOiExLGRhdGFFbGVtZW50VHlwZToiYXJjIixhbmltYXRpb246e2FuaW1hdGVSb3RhdGU6ITAsYW5pbWF0ZVNjYWxlOiExfSxhbmltYXRpb25zOntudW1iZXJzOnt0eXBlOiJudW1iZXIiLHByb3BlcnRpZXM6WyJjaXJjdW1mZXJlbmNlIiwiZW5kQW5nbGUiLCJpbm5lclJhZGl1cyIsIm91dGVyUmFkaXVzIiwic3RhcnRBbmdsZSIsIngiLCJ5Iiwib2Zmc2V0IiwiYm9yZGVyV2lkdGgiLCJzcGFjaW5nIl19fSxjdXRvdXQ6IjUwJSIscm90YXRpb246MCxjaXJjdW1mZXJlbmNlOjM2MCxyYWRpdXM6IjEwMCUiLHNwYWNpbmc6MCxzcGFjaW5nTW9kZToiYW5ndWxhciIsaW5kZXhBeGlzOiJyIn07c3RhdGljIGRlc2NyaXB0b3JzPXtfc2NyaXB0YWJsZTp0PT4ic3BhY2luZyIhPT10JiYic3BhY2luZ01vZGUiIT09dCxfaW5kZXhhYmxlOnQ9PiJzcGFjaW5nIiE9PXQmJiJzcGFjaW5nTW9kZSIhPT10JiYhdC5zdGFydHNXaXRoKCJib3JkZXJEYXNoIikmJiF0LnN0YXJ0c1dpdGgoImhvdmVyQm9yZGVyRGFzaCIpfTtzdGF0aWMgb3ZlcnJpZGVzPXthc3BlY3RSYXRpbzoxLHBsdWdpbnM6e2xlZ2VuZDp7bGFiZWxzOntnZW5lcmF0ZUxhYmVscyh0KXtjb25zdCBlPXQuZGF0YSx7bGFiZWxzOntwb2ludFN0eWxlOmksdGV4dEFsaWduOnMsY29sb3I6bix1c2VCb3JkZXJSYWRpdXM6byxib3JkZXJSYWRpdXM6YX19PXQubGVnZW5kLm9wdGlvbnM7cmV0dXJuIGUubGFiZWxzLmxlbmd0aCYmZS5kYXRhc2V0cy5sZW5ndGg/ZS5sYWJlbHMubWFwKCgoZSxyKT0+e2NvbnN0IGw9dC5nZXREYXRhc2V0TWV0YSgwKS5jb250cm9sbGVyLmdldFN0eWxlKHIpO3JldHVybnt0ZXh0OmUsZmlsbFN0eWxlOmwuYmFja2dyb3VuZENvbG9yLGZvbnRDb2xvcjpuLGhpZGRlbjohdC5nZXREYXRhVmlzaWJpbGl0eShyKSxsaW5lRGFzaDpsLmJvcmRlckRhc2gsbGluZURhc2hPZmZzZXQ6bC5ib3JkZXJEYXNoT2Zmc2V0LGxpbmVKb2luOmwuYm9yZGVySm9pblN0eWxlLGxpbmVXaWR0aDpsLmJvcmRlcldpZHRoLHN0cm9rZVN0eWxlOmwuYm9yZGVyQ29sb3IsdGV4dEFsaWduOnMscG9pbnRTdHlsZTppLGJvcmRlclJhZGl1czpvJiYoYXx8bC5ib3JkZXJSYWRpdXMpLGluZGV4OnJ9fSkpOltdfX0sb25DbGljayh0LGUsaSl7aS5jaGFydC50b2dnbGVEYXRhVmlzaWJpbGl0eShlLmluZGV4KSxpLmNoYXJ0LnVwZGF0ZSgpfX19fTtjb25zdHJ1Y3Rvcih0LGUpe3N1cGVyKHQsZSksdGhpcy5lbmFibGVPcHRpb25TaGFyaW5nPSEwLHRoaXMuaW5uZXJSYWRpdXM9dm9pZCAwLHRoaXMub3V0ZXJSYWRpdXM9dm9pZCAwLHRoaXMub2Zmc2V0WD12b2lkIDAsdGhpcy5vZmZzZXRZPXZvaWQgMH1saW5rU2NhbGVzKCl7fXBhcnNlKHQsZSl7Y29uc3QgaT10aGlzLmdldERhdGFzZXQoKS5kYXRhLHM9dGhpcy5fY2FjaGVkTWV0YTtpZighMT09PXRoaXMuX3BhcnNpbmcpcy5fcGFyc2VkPWk7ZWxzZXtsZXQgbixhLHI9dD0+K2lbdF07aWYobyhpW3RdKSl7Y29uc3R7a2V5OnQ9InZhbHVlIn09dGhpcy5fcGFyc2luZztyPWU9PitNKGlbZV0sdCl9Zm9yKG49dCxhPXQrZTtuPGE7KytuKXMuX3BhcnNlZFtuXT1yKG4pfX1fZ2V0Um90YXRpb24oKXtyZXR1cm4gJCh0aGlzLm9wdGlvbnMucm90YXRpb24tOTApfV9nZXRDaXJjdW1mZXJlbmNlKCl7cmV0dXJuICQodGhpcy5vcHRpb25zLmNpcmN1bWZlcmVuY2UpfV9nZXRSb3RhdGlvbkV4dGVudHMoKXtsZXQgdD1PLGU9LU87Zm9yKGxldCBpPTA7aTx0aGlzLmNoYXJ0LmRhdGEuZGF0YXNldHMubGVuZ3RoOysraSlpZih0aGlzLmNoYXJ0LmlzRGF0YXNldFZpc2libGUoaSkmJnRoaXMuY2hhcnQuZ2V0RGF0YXNldE1ldGEoaSkudHlwZT09PXRoaXMuX3R5cGUpe2NvbnN0IHM9dGhpcy5jaGFydC5nZXREYXRhc2V0TWV0YShpKS5jb250cm9sbGVyLG49cy5fZ2V0Um90YXRpb24oKSxvPXMuX2dldENpcmN1bWZlcmVuY2UoKTt0PU1hdGgubWluKHQsbiksZT1NYXRoLm1heChlLG4rbyl9cmV0dXJue3JvdGF0aW9uOnQsY2lyY3VtZmVyZW5jZTplLXR9fXVwZGF0ZSh0KXtjb25zdCBlPXRoaXMuY2hhcnQse2NoYXJ0QXJlYTppfT1lLHM9dGhpcy5fY2FjaGVkTWV0YSxuPXMuZGF0YSxvPXRoaXMuZ2V0TWF4Qm9yZGVyV2lkdGgoKSt0aGlzLmdldE1heE9mZnNldChuKSt0aGlzLm9wdGlvbnMuc3BhY2luZyxhPU1hdGgubWF4KChNYXRoLm1pbihpLndpZHRoLGkuaGVpZ2h0KS1vKS8yLDApLHI9TWF0aC5taW4oaCh0aGlzLm9wdGlvbnMuY3V0b3V0LGEpLDEpLGw9dGhpcy5fZ2V0UmluZ1dlaWdodCh0aGlzLmluZGV4KSx7Y2lyY3VtZmVyZW5jZTpkLHJvdGF0aW9uOnV9PXRoaXMuX2dldFJvdGF0aW9uRXh0ZW50cygpLHtyYXRpb1g6ZixyYXRpb1k6ZyxvZmZzZXRYOnAsb2Zmc2V0WTptfT1mdW5jdGlvbih0LGUsaSl7bGV0IHM9MSxuPTEsbz0wLGE9MDtpZihlPE8pe2NvbnN0IHI9dCxsPXIrZSxoPU1hdGguY29zKHIpLGM9TWF0aC5zaW4ociksZD1NYXRoLmNvcyhsKSx1PU1hdGguc2luKGwpLGY9KHQsZSxzKT0+Sih0LHIsbCwhMCk/MTpNYXRoLm1heChlLGUqaSxzLHMqaSksZz0odCxlLHMpPT5KKHQscixsLCEwKT8tMTpNYXRoLm1pbihlLGUqaSxzLHMqaSkscD1mKDAsaCxkKSxtPWYoRSxjLHUpLHg9ZyhDLGgsZCksYj1nKEMrRSxjLHUpO3M9KHAteCkvMixuPShtLWIpLzIsbz0tKHAreCkvMixhPS0obStiKS8yfXJldHVybntyYXRpb1g6cyxyYXRpb1k6bixvZmZzZXRYOm8sb2Zmc2V0WTphfX0odSxkLHIpLHg9KGkud2lkdGgtbykvZixiPShpLmhlaWdodC1vKS9nLF89TWF0aC5tYXgoTWF0aC5taW4oeCxiKS8yLDApLHk9Yyh0aGlzLm9wdGlvbnMucmFkaXVzLF8pLHY9KHktTWF0aC5tYXgoeSpyLDApKS90aGlzLl9nZXRWaXNpYmxlRGF0YXNldFdlaWdodFRvdGFsKCk7dGhpcy5vZmZzZXRYPXAqeSx0aGlzLm9mZnNldFk9bSp5LHMudG90YWw9dGhpcy5jYWxjdWxhdGVUb3RhbCgpLHRoaXMub3V0ZXJSYWRpdXM9eS12KnRoaXMuX2dldFJpbmdXZWlnaHRPZmZzZXQodGhpcy5pbmRleCksdGhpcy5pbm5lclJhZGl1cz1NYXRoLm1heCh0aGlzLm91dGVyUmFkaXVzLXYqbCwwKSx0aGlzLnVwZGF0ZUVsZW1lbnRzKG4sMCxuLmxlbmd0aCx0KX1fY2lyY3VtZmVyZW5jZSh0LGUpe2NvbnN0IGk9dGhpcy5vcHRpb25zLHM9dGhpcy5fY2FjaGVkTWV0YSxuPXRoaXMuX2dldENpcmN1bWZlcmVuY2UoKTtyZXR1cm4gZSYmaS5hbmltYXRpb24uYW5pbWF0ZVJvdGF0ZXx8IXRoaXMuY2hhcnQuZ2V0RGF0YVZpc2liaWxpdHkodCl8fG51bGw9PT1zLl9wYXJzZWRbdF18fHMuZGF0YVt0XS5oaWRkZW4/MDp0aGlzLmNhbGN1bGF0ZUNpcmN1bWZlcmVuY2Uocy5fcGFyc2VkW3RdKm4vTyl9dXBkYXRlRWxlbWVudHModCxlLGkscyl7Y29uc3Qgbj0icmVzZXQiPT09cyxvPXRoaXMuY2hhcnQsYT1vLmNoYXJ0QXJlYSxyPW8ub3B0aW9ucy5hbmltYXRpb24sbD0oYS5sZWZ0K2EucmlnaHQpLzIsaD0oYS50b3ArYS5ib3R0b20pLzIsYz1uJiZyLmFuaW1hdGVTY2FsZSxkPWM/MDp0aGlzLmlubmVyUmFkaXVzLHU9Yz8wOnRoaXMub3V0ZXJSYWRpdXMse3NoYXJlZE9wdGlvbnM6ZixpbmNsdWRlT3B0aW9uczpnfT10aGlzLl9nZXRTaGFyZWRPcHRpb25zKGUscyk7bGV0IHAsbT10aGlzLl9nZXRSb3RhdGlvbigpO2ZvcihwPTA7cDxlOysrcCltKz10aGlzLl9jaXJjdW1mZXJlbmNlKHAsbik7Zm9yKHA9ZTtwPGUraTsrK3Ape2NvbnN0IGU9dGhpcy5fY2lyY3VtZmVyZW5jZShwLG4pLGk9dFtwXSxvPXt4OmwrdGhpcy5vZmZzZXRYLHk6aCt0aGlzLm9mZnNldFksc3RhcnRBbmdsZTptLGVuZEFuZ2xlOm0rZSxjaXJjdW1mZXJlbmNlOmUsb3V0ZXJSYWRpdXM6dSxpbm5lclJhZGl1czpkfTtnJiYoby5vcHRpb25zPWZ8fHRoaXMucmVzb2x2ZURhdGFFbGVtZW50T3B0aW9ucyhwLGkuYWN0aXZlPyJhY3RpdmUiOnMpKSxtKz1lLHRoaXMudXBkYXRlRWxlbWVudChpLHAsbyxzKX19Y2FsY3VsYXRlVG90YWwoKXtjb25zdCB0PXRoaXMuX2NhY2hlZE1ldGEsZT10LmRhdGE7bGV0IGkscz0wO2ZvcihpPTA7aTxlLmxlbmd0aDtpKyspe2NvbnN0IG49dC5fcGFyc2VkW2ldO251bGw9PT1ufHxpc05hTihuKXx8IXRoaXMuY2hhcnQuZ2V0RGF0YVZpc2liaWxpdHkoaSl8fGVbaV0uaGlkZGVufHwocys9TWF0aC5hYnMobikpfXJldHVybiBzfWNhbGN1bGF0ZUNpcmN1bWZlcmVuY2UodCl7Y29uc3QgZT10aGlzLl9jYWNoZWRNZXRhLnRvdGFsO3JldHVybiBlPjAmJiFpc05hTih0KT9PKihNYXRoLmFicyh0KS9lKTowfWdldExhYmVsQW5kVmFsdWUodCl7Y29uc3QgZT10aGlzLl9jYWNoZWRNZXRhLGk9dGhpcy5jaGFydCxzPWkuZGF0YS5sYWJlbHN8fFtdLG49bmUoZS5fcGFyc2VkW3RdLGkub3B0aW9ucy5sb2NhbGUpO3JldHVybntsYWJlbDpzW3RdfHwiIix2YWx1ZTpufX1nZXRNYXhCb3JkZXJXaWR0aCh0KXtsZXQgZT0wO2NvbnN0IGk9dGhpcy5jaGFydDtsZXQgcyxuLG8sYSxyO2lmKCF0KWZvcihzPTAsbj1pLmRhdGEuZGF0YXNldHMubGVuZ3RoO3M8bjsrK3MpaWYoaS5pc0RhdGFzZXRWaXNpYmxlKHMpKXtvPWkuZ2V0RGF0YXNldE1ldGEocyksdD1vLmRhdGEsYT1vLmNvbnRyb2xsZXI7YnJlYWt9aWYoIXQpcmV0dXJuIDA7Zm9yKHM9MCxuPXQubGVuZ3RoO3M8bjsrK3Mpcj1hLnJlc29sdmVEYXRhRWxlbWVudE9wdGlvbnMocyksImlubmVyIiE9PXIuYm9yZGVyQWxpZ24mJihlPU1hdGgubWF4KGUsci5ib3JkZXJXaWR0aHx8MCxyLmhvdmVyQm9yZGVyV2lkdGh8fDApKTtyZXR1cm4gZX1nZXRNYXhPZmZzZXQodCl7bGV0IGU9MDtmb3IobGV0IGk9MCxzPXQubGVuZ3RoO2k8czsrK2kpe2NvbnN0IHQ9dGhpcy5yZXNvbHZlRGF0YUVsZW1lbnRPcHRpb25zKGkpO2U9TWF0aC5tYXgoZSx0Lm9mZnNldHx8MCx0LmhvdmVyT2Zmc2V0fHwwKX1yZXR1cm4gZX1fZ2V0UmluZ1dlaWdodE9mZnNldCh0KXtsZXQgZT0wO2ZvcihsZXQgaT0wO2k8dDsrK2kpdGhpcy5jaGFydC5pc0RhdGFzZXRWaXNpYmxlKGkpJiYoZSs9dGhpcy5fZ2V0UmluZ1dlaWdodChpKSk7cmV0dXJuIGV9X2dldFJpbmdXZWlnaHQodCl7cmV0dXJuIE1hdGgubWF4KGwodGhpcy5jaGFydC5kYXRhLmRhdGFzZXRzW3RdLndlaWdodCwxKSwwKX1fZ2V0VmlzaWJsZURhdGFzZXRXZWlnaHRUb3RhbCgpe3JldHVybiB0aGlzLl9nZXRSaW5nV2VpZ2h0T2Zmc2V0KHRoaXMuY2hhcnQuZGF0YS5kYXRhc2V0cy5sZW5ndGgpfHwxfX1jbGFzcyBZbiBleHRlbmRzIGpze3N0YXRpYyBpZD0icG9sYXJBcmVhIjtzdGF0aWMgZGVmYXVsdHM9e2RhdGFFbGVtZW50VHlwZToiYXJjIixhbmltYXRpb246e2FuaW1hdGVSb3RhdGU6ITAsYW5pbWF0ZVNjYWxlOiEwfSxhbmltYXRpb25zOntudW1iZXJzOnt0eXBlOiJudW1iZXIiLHByb3BlcnRpZXM6WyJ4IiwieSIsInN0YXJ0QW5nbGUiLCJlbmRBbmdsZSIsImlubmVyUmFkaXVzIiwib3V0ZXJSYWRpdXMiXX19LGluZGV4QXhpczoiciIsc3RhcnRBbmdsZTowLHNwYWNpbmc6MCxzcGFjaW5nTW9kZToicHJvcG9ydGlvbmFsIn07c3RhdGljIG92ZXJyaWRlcz17YXNwZWN0UmF0aW86MSxwbHVnaW5zOntsZWdlbmQ6e2xhYmVsczp7Z2VuZXJhdGVMYWJlbHModCl7Y29uc3QgZT10LmRhdGE7aWYoZS5sYWJlbHMubGVuZ3RoJiZlLmRhdGFzZXRzLmxlbmd0aCl7Y29uc3R7bGFiZWxzOntwb2ludFN0eWxlOmksY29sb3I6c319PXQubGVnZW5kLm9wdGlvbnM7cmV0dXJuIGUubGFiZWxzLm1hcCgoKGUsbik9Pntjb25zdCBvPXQuZ2V0RGF0YXNldE1ldGEoMCkuY29udHJvbGxlci5nZXRTdHlsZShuKTtyZXR1cm57dGV4dDplLGZpbGxTdHlsZTpvLmJhY2tncm91bmRDb2xvcixzdHJva2VTdHlsZTpvLmJvcmRlckNvbG9yLGZvbnRDb2xvcjpzLGxpbmVXaWR0aDpvLmJvcmRlcldpZHRoLHBvaW50U3R5bGU6aSxoaWRkZW46IXQuZ2V0RGF0YVZpc2liaWxpdHkobiksaW5kZXg6bn19KSl9cmV0dXJuW119fSxvbkNsaWNrKHQsZSxpKXtpLmNoYXJ0LnRvZ2dsZURhdGFWaXNpYmlsaXR5KGUuaW5kZXgpLGkuY2hhcnQudXBkYXRlKCl9fX0sc2NhbGVzOntyOnt0eXBlOiJyYWRpYWxMaW5lYXIiLGFuZ2xlTGluZXM6e2Rpc3BsYXk6ITF9LGJlZ2luQXRaZXJvOiEwLGdyaWQ6e2NpcmN1bGFyOiEwfSxwb2ludExhYmVsczp7ZGlzcGxheTohMX0sc3RhcnRBbmdsZTowfX19O2NvbnN0cnVjdG9yKHQsZSl7c3VwZXIodCxlKSx0aGlzLmlubmVyUmFkaXVzPXZvaWQgMCx0aGlzLm91dGVyUmFkaXVzPXZvaWQgMH1nZXRMYWJlbEFuZFZhbHVlKHQpe2NvbnN0IGU9dGhpcy5fY2FjaGVkTWV0YSxpPXRoaXMuY2hhcnQscz1pLmRhdGEubGFiZWxzfHxbXSxuPW5lKGUuX3BhcnNlZFt0XS5yLGkub3B0aW9ucy5sb2NhbGUpO3JldHVybntsYWJlbDpzW3RdfHwiIix2YWx1ZTpufX1wYXJzZU9iamVjdERhdGEodCxlLGkscyl7cmV0dXJuIGlpLmJpbmQodGhpcykodCxlLGkscyl9dXBkYXRlKHQpe2NvbnN0IGU9dGhpcy5fY2FjaGVkTWV0YS5kYXRhO3RoaXMuX3VwZGF0ZVJhZGl1cygpLHRoaXMudXBkYXRlRWxlbWVudHMoZSwwLGUubGVuZ3RoLHQpfWdldE1pbk1heCgpe2NvbnN0IHQ9dGhpcy5fY2FjaGVkTWV0YSxlPXttaW46TnVtYmVyLlBPU0lUSVZFX0lORklOSVRZLG1heDpOdW1iZXIuTkVHQVRJVkVfSU5GSU5JVFl9O3JldHVybiB0LmRhdGEuZm9yRWFjaCgoKHQsaSk9Pntjb25zdCBzPXRoaXMuZ2V0UGFyc2VkKGkpLnI7IWlzTmFOKHMpJiZ0aGlzLmNoYXJ0LmdldERhdGFWaXNpYmlsaXR5KGkpJiYoczxlLm1pbiYmKGUubWluPXMpLHM+ZS5tYXgmJihlLm1heD1zKSl9KSksZX1fdXBkYXRlUmFkaXVzKCl7Y29uc3QgdD10aGlzLmNoYXJ0LGU9dC5jaGFydEFyZWEsaT10Lm9wdGlvbnMscz1NYXRoLm1pbihlLnJpZ2h0LWUubGVmdCxlLmJvdHRvbS1lLnRvcCksbj1NYXRoLm1heChzLzIsMCksbz0obi1NYXRoLm1heChpLmN1dG91dFBlcmNlbnRhZ2U/bi8xMDAqaS5jdXRvdXRQZXJjZW50YWdlOjEsMCkpL3QuZ2V0VmlzaWJsZURhdGFzZXRDb3VudCgpO3RoaXMub3V0ZXJSYWRpdXM9bi1vKnRoaXMuaW5kZXgsdGhpcy5pbm5lclJhZGl1cz10aGlzLm91dGVyUmFkaXVzLW99dXBkYXRlRWxlbWVudHModCxlLGkscyl7Y29uc3Qgbj0icmVzZXQiPT09cyxvPXRoaXMuY2hhcnQsYT1vLm9wdGlvbnMuYW5pbWF0aW9uLHI9dGhpcy5fY2FjaGVkTWV0YS5yU2NhbGUsbD1yLnhDZW50ZXIsaD1yLnlDZW50ZXIsYz1yLmdldEluZGV4QW5nbGUoMCktLjUqQztsZXQgZCx1PWM7Y29uc3QgZj0zNjAvdGhpcy5jb3VudFZpc2libGVFbGVtZW50cygpO2ZvcihkPTA7ZDxlOysrZCl1Kz10aGlzLl9jb21wdXRlQW5nbGUoZCxzLGYpO2ZvcihkPWU7ZDxlK2k7ZCsrKXtjb25zdCBlPXRbZF07bGV0IGk9dSxnPXUrdGhpcy5fY29tcHV0ZUFuZ2xlKGQscyxmKSxwPW8uZ2V0RGF0YVZpc2liaWxpdHkoZCk/ci5nZXREaXN0YW5jZUZyb21DZW50ZXJGb3JWYWx1ZSh0aGlzLmdldFBhcnNlZChkKS5yKTowO3U9ZyxuJiYoYS5hbmltYXRlU2NhbGUmJihwPTApLGEuYW5pbWF0ZVJvdGF0ZSYmKGk9Zz1jKSk7Y29uc3QgbT17eDpsLHk6aCxpbm5lclJhZGl1czowLG91dGVyUmFkaXVzOnAsc3RhcnRBbmdsZTppLGVuZEFuZ2xlOmcsb3B0aW9uczp0aGlzLnJlc29sdmVEYXRhRWxlbWVudE9wdGlvbnMoZCxlLmFjdGl2ZT8iYWN0aXZlIjpzKX07MD09PW0ub3B0aW9ucy5zcGFjaW5nJiYobS5vcHRpb25zLnNwYWNpbmc9dGhpcy5vcHRpb25zLnNwYWNpbmcpLCJhbmd1bGFyIj09PW0ub3B0aW9ucy5zcGFjaW5nTW9kZSYmKG0ub3B0aW9ucy5zcGFjaW5nTW9kZT10aGlzLm9wdGlvbnMuc3BhY2luZ01vZGUpLHRoaXMudXBkYXRlRWxlbWVudChlLGQsbSxzKX19Y291bnRWaXNpYmxlRWxlbWVudHMoKXtjb25zdCB0PXRoaXMuX2NhY2hlZE1ldGE7bGV0IGU9MDtyZXR1cm4gdC5kYXRhLmZvckVhY2goKCh0LGkpPT57IWlzTmFOKHRoaXMuZ2V0UGFyc2VkKGkpLnIpJiZ0aGlzLmNoYXJ0LmdldERhdGFWaXNpYmlsaXR5KGkpJiZlKyt9KSksZX1fY29tcHV0ZUFuZ2xlKHQsZSxpKXtyZXR1cm4gdGhpcy5jaGFydC5nZXREYXRhVmlzaWJpbGl0eSh0KT8kKHRoaXMucmVzb2x2ZURhdGFFbGVtZW50T3B0aW9ucyh0LGUpLmFuZ2xlfHxpKTowfX12YXIgVW49T2JqZWN0LmZyZWV6ZSh7X19wcm90b19fOm51bGwsQmFyQ29udHJvbGxlcjpjbGFzcyBleHRlbmRzIGpze3N0YXRpYyBpZD0iYmFyIjtzdGF0aWMgZGVmYXVsdHM9e2RhdGFzZXRFbGVtZW50VHlwZTohMSxkYXRhRWxlbWVudFR5cGU6ImJhciIsY2F0ZWdvcnlQZXJjZW50YWdlOi44LGJhclBlcmNlbnRhZ2U6LjksZ3JvdXBlZDohMCxhbmltYXRpb25zOntudW1iZXJzOnt0eXBlOiJudW1iZXIiLHByb3BlcnRpZXM6WyJ4IiwieSIsImJhc2UiLCJ3aWR0aCIsImhlaWdodCJdfX19O3N0YXRpYyBvdmVycmlkZXM9e3NjYWxlczp7X2luZGV4Xzp7dHlwZToiY2F0ZWdvcnkiLG9mZnNldDohMCxncmlkOntvZmZzZXQ6ITB9fSxfdmFsdWVfOnt0eXBlOiJsaW5lYXIiLGJlZ2luQXRaZXJvOiEwfX19O3BhcnNlUHJpbWl0aXZlRGF0YSh0LGUsaSxzKXtyZXR1cm4gVm4odCxlLGkscyl9cGFyc2VBcnJheURhdGEodCxlLGkscyl7cmV0dXJuIFZuKHQsZSxpLHMpfXBhcnNlT2JqZWN0RGF0YSh0LGUsaSxzKXtjb25zdHtpU2NhbGU6bix2U2NhbGU6b309dCx7eEF4aXNLZXk6YT0ieCIseUF4aXNLZXk6cj0ieSJ9PXRoaXMuX3BhcnNpbmcsbD0ieCI9PT1uLmF4aXM/YTpyLGg9IngiPT09by5heGlzP2E6cixjPVtdO2xldCBkLHUsZixnO2ZvcihkPWksdT1pK3M7ZDx1OysrZClnPWVbZF0sZj17fSxmW24uYXhpc109bi5wYXJzZShNKGcsbCksZCksYy5wdXNoKEZuKE0oZyxoKSxmLG8sZCkpO3JldHVybiBjfXVwZGF0ZVJhbmdlRnJvbVBhcnNlZCh0LGUsaSxzKXtzdXBlci51cGRhdGVSYW5nZUZyb21QYXJzZWQodCxlLGkscyk7Y29uc3Qgbj1pLl9jdXN0b207biYmZT09PXRoaXMuX2NhY2hlZE1ldGEudlNjYWxlJiYodC5taW49TWF0aC5taW4odC5taW4sbi5taW4pLHQubWF4PU1hdGgubWF4KHQubWF4LG4ubWF4KSl9Z2V0TWF4T3ZlcmZsb3coKXtyZXR1cm4gMH1nZXRMYWJlbEFuZFZhbHVlKHQpe2NvbnN0IGU9dGhpcy5fY2FjaGVkTWV0YSx7aVNjYWxlOmksdlNjYWxlOnN9PWUsbj10aGlzLmdldFBhcnNlZCh0KSxvPW4uX2N1c3RvbSxhPUJuKG8pPyJbIitvLnN0YXJ0KyIsICIrby5lbmQrIl0iOiIiK3MuZ2V0TGFiZWxGb3JWYWx1ZShuW3MuYXhpc10pO3JldHVybntsYWJlbDoiIitpLmdldExhYmVsRm9yVmFsdWUobltpLmF4aXNdKSx2YWx1ZTphfX1pbml0aWFsaXplKCl7dGhpcy5lbmFibGVPcHRpb25TaGFyaW5nPSEwLHN1cGVyLmluaXRpYWxpemUoKTt0aGlzLl9jYWNoZWRNZXRhLnN0YWNrPXRoaXMuZ2V0RGF0YXNldCgpLnN0YWNrfXVwZGF0ZSh0KXtjb25zdCBlPXRoaXMuX2NhY2hlZE1ldGE7dGhpcy51cGRhdGVFbGVtZW50cyhlLmRhdGEsMCxlLmRhdGEubGVuZ3RoLHQpfXVwZGF0ZUVsZW1lbnRzKHQsZSxpLG4pe2NvbnN0IG89InJlc2V0Ij09PW4se2luZGV4OmEsX2NhY2hlZE1ldGE6e3ZTY2FsZTpyfX09dGhpcyxsPXIuZ2V0QmFzZVBpeGVsKCksaD1yLmlzSG9yaXpvbnRhbCgpLGM9dGhpcy5fZ2V0UnVsZXIoKSx7c2hhcmVkT3B0aW9uczpkLGluY2x1ZGVPcHRpb25zOnV9PXRoaXMuX2dldFNoYXJlZE9wdGlvbnMoZSxuKTtmb3IobGV0IGY9ZTtmPGUraTtmKyspe2NvbnN0IGU9dGhpcy5nZXRQYXJzZWQoZiksaT1vfHxzKGVbci5heGlzXSk/e2Jhc2U6bCxoZWFkOmx9OnRoaXMuX2NhbGN1bGF0ZUJhclZhbHVlUGl4ZWxzKGYpLGc9dGhpcy5fY2FsY3VsYXRlQmFySW5kZXhQaXhlbHMoZixjKSxwPShlLl9zdGFja3N8fHt9KVtyLmF4aXNdLG09e2hvcml6b250YWw6aCxiYXNlOmkuYmFzZSxlbmFibGVCb3JkZXJSYWRpdXM6IXB8fEJuKGUuX2N1c3RvbSl8fGE9PT1wLl90b3B8fGE9PT1wLl9ib3R0b20seDpoP2kuaGVhZDpnLmNlbnRlcix5Omg/Zy5jZW50ZXI6aS5oZWFkLGhlaWdodDpoP2cuc2l6ZTpNYXRoLmFicyhpLnNpemUpLHdpZHRoOmg/TWF0aC5hYnMoaS5zaXplKTpnLnNpemV9O3UmJihtLm9wdGlvbnM9ZHx8dGhpcy5yZXNvbHZlRGF0YUVsZW1lbnRPcHRpb25zKGYsdFtmXS5hY3RpdmU/ImFjdGl2ZSI6bikpO2NvbnN0IHg9bS5vcHRpb25zfHx0W2ZdLm9wdGlvbnM7Tm4obSx4LHAsYSksam4obSx4LGMucmF0aW8pLHRoaXMudXBkYXRlRWxlbWVudCh0W2ZdLGYsbSxuKX19X2dldFN0YWNrcyh0LGUpe2NvbnN0e2lTY2FsZTppfT10aGlzLl9jYWNoZWRNZXRhLG49aS5nZXRNYXRjaGluZ1Zpc2libGVNZXRhcyh0aGlzLl90eXBlKS5maWx0ZXIoKHQ9PnQuY29udHJvbGxlci5vcHRpb25zLmdyb3VwZWQpKSxvPWkub3B0aW9ucy5zdGFja2VkLGE9W10scj10aGlzLl9jYWNoZWRNZXRhLmNvbnRyb2xsZXIuZ2V0UGFyc2VkKGUpLGw9ciYmcltpLmF4aXNdLGg9dD0+e2NvbnN0IGU9dC5fcGFyc2VkLmZpbmQoKHQ9PnRbaS5heGlzXT09PWwpKSxuPWUmJmVbdC52U2NhbGUuYXhpc107aWYocyhuKXx8aXNOYU4obikpcmV0dXJuITB9O2Zvcihjb25zdCBpIG9mIG4paWYoKHZvaWQgMD09PWV8fCFoKGkpKSYmKCghMT09PW98fC0xPT09YS5pbmRleE9mKGkuc3RhY2spfHx2b2lkIDA9PT1vJiZ2b2lkIDA9PT1pLnN0YWNrKSYmYS5wdXNoKGkuc3RhY2spLGkuaW5kZXg9PT10KSlicmVhaztyZXR1cm4gYS5sZW5ndGh8fGEucHVzaCh2b2lkIDApLGF9X2dldFN0YWNrQ291bnQodCl7cmV0dXJuIHRoaXMuX2dldFN0YWNrcyh2b2lkIDAsdCkubGVuZ3RofV9nZXRBeGlzQ291bnQoKXtyZXR1cm4gdGhpcy5fZ2V0QXhpcygpLmxlbmd0aH1nZXRGaXJzdFNjYWxlSWRGb3JJbmRleEF4aXMoKXtjb25zdCB0PXRoaXMuY2hhcnQuc2NhbGVzLGU9dGhpcy5jaGFydC5vcHRpb25zLmluZGV4QXhpcztyZXR1cm4gT2JqZWN0LmtleXModCkuZmlsdGVyKChpPT50W2ldLmF4aXM9PT1lKSkuc2hpZnQoKX1fZ2V0QXhpcygpe2NvbnN0IHQ9e30sZT10aGlzLmdldEZpcnN0U2NhbGVJZEZvckluZGV4QXhpcygpO2Zvcihjb25zdCBpIG9mIHRoaXMuY2hhcnQuZGF0YS5kYXRhc2V0cyl0W2woIngiPT09dGhpcy5jaGFydC5vcHRpb25zLmluZGV4QXhpcz9pLnhBeGlzSUQ6aS55QXhpc0lELGUpXT0hMDtyZXR1cm4gT2JqZWN0LmtleXModCl9X2dldFN0YWNrSW5kZXgodCxlLGkpe2NvbnN0IHM9dGhpcy5fZ2V0U3RhY2tzKHQsaSksbj12b2lkIDAhPT1lP3MuaW5kZXhPZihlKTotMTtyZXR1cm4tMT09PW4/cy5sZW5ndGgtMTpufV9nZXRSdWxlcigpe2NvbnN0IHQ9dGhpcy5vcHRpb25zLGU9dGhpcy5fY2FjaGVkTWV0YSxpPWUuaVNjYWxlLHM9W107bGV0IG4sbztmb3Iobj0wLG89ZS5kYXRhLmxlbmd0aDtuPG87KytuKXMucHVzaChpLmdldFBpeGVsRm9yVmFsdWUodGhpcy5nZXRQYXJzZWQobilbaS5heGlzXSxuKSk7Y29uc3QgYT10LmJhclRoaWNrbmVzcztyZXR1cm57bWluOmF8fHpuKGUpLHBpeGVsczpzLHN0YXJ0OmkuX3N0YXJ0UGl4ZWwsZW5kOmkuX2VuZFBpeGVsLHN0YWNrQ291bnQ6dGhpcy5fZ2V0U3RhY2tDb3VudCgpLHNjYWxlOmksZ3JvdXBlZDp0Lmdyb3VwZWQscmF0aW86YT8xOnQuY2F0ZWdvcnlQZXJjZW50YWdlKnQuYmFyUGVyY2VudGFnZX19X2NhbGN1bGF0ZUJhclZhbHVlUGl4ZWxzKHQpe2NvbnN0e19jYWNoZWRNZXRhOnt2U2NhbGU6ZSxfc3RhY2tlZDppLGluZGV4Om59LG9wdGlvbnM6e2Jhc2U6byxtaW5CYXJMZW5ndGg6YX19PXRoaXMscj1vfHwwLGw9dGhpcy5nZXRQYXJzZWQodCksaD1sLl9jdXN0b20sYz1CbihoKTtsZXQgZCx1LGY9bFtlLmF4aXNdLGc9MCxwPWk/dGhpcy5hcHBseVN0YWNrKGUsbCxpKTpmO3AhPT1mJiYoZz1wLWYscD1mKSxjJiYoZj1oLmJhclN0YXJ0LHA9aC5iYXJFbmQtaC5iYXJTdGFydCwwIT09ZiYmRihmKSE9PUYoaC5iYXJFbmQpJiYoZz0wKSxnKz1mKTtjb25zdCBtPXMobyl8fGM/ZzpvO2xldCB4PWUuZ2V0UGl4ZWxGb3JWYWx1ZShtKTtpZihkPXRoaXMuY2hhcnQuZ2V0RGF0YVZpc2liaWxpdHkodCk/ZS5nZXRQaXhlbEZvclZhbHVlKGcrcCk6eCx1PWQteCxNYXRoLmFicyh1KTxhKXt1PWZ1bmN0aW9uKHQsZSxpKXtyZXR1cm4gMCE9PXQ/Rih0KTooZS5pc0hvcml6b250YWwoKT8xOi0xKSooZS5taW4+PWk/MTotMSl9KHUsZSxyKSphLGY9PT1yJiYoeC09dS8yKTtjb25zdCB0PWUuZ2V0UGl4ZWxGb3JEZWNpbWFsKDApLHM9ZS5nZXRQaXhlbEZvckRlY2ltYWwoMSksbz1NYXRoLm1pbih0LHMpLGg9TWF0aC5tYXgodCxzKTt4PU1hdGgubWF4KE1hdGgubWluKHgsaCksbyksZD14K3UsaSYmIWMmJihsLl9zdGFja3NbZS5heGlzXS5fdmlzdWFsVmFsdWVzW25dPWUuZ2V0VmFsdWVGb3JQaXhlbChkKS1lLmdldFZhbHVlRm9yUGl4ZWwoeCkpfWlmKHg9PT1lLmdldFBpeGVsRm9yVmFsdWUocikpe2NvbnN0IHQ9Rih1KSplLmdldExpbmVXaWR0aEZvclZhbHVlKHIpLzI7eCs9dCx1LT10fXJldHVybntzaXplOnUsYmFzZTp4LGhlYWQ6ZCxjZW50ZXI6ZCt1LzJ9fV9jYWxjdWxhdGVCYXJJbmRleFBpeGVscyh0LGUpe2NvbnN0IGk9ZS5zY2FsZSxuPXRoaXMub3B0aW9ucyxvPW4uc2tpcE51bGwsYT1sKG4ubWF4QmFyVGhpY2tuZXNzLDEvMCk7bGV0IHIsaDtjb25zdCBjPXRoaXMuX2dldEF4aXNDb3VudCgpO2lmKGUuZ3JvdXBlZCl7Y29uc3QgaT1vP3RoaXMuX2dldFN0YWNrQ291bnQodCk6ZS5zdGFja0NvdW50LGQ9ImZsZXgiPT09bi5iYXJUaGlja25lc3M/ZnVuY3Rpb24odCxlLGkscyl7Y29uc3Qgbj1lLnBpeGVscyxvPW5bdF07bGV0IGE9dD4wP25bdC0xXTpudWxsLHI9dDxuLmxlbmd0aC0xP25bdCsxXTpudWxsO2NvbnN0IGw9aS5jYXRlZ29yeVBlcmNlbnRhZ2U7bnVsbD09PWEmJihhPW8tKG51bGw9PT1yP2UuZW5kLWUuc3RhcnQ6ci1vKSksbnVsbD09PXImJihyPW8rby1hKTtjb25zdCBoPW8tKG8tTWF0aC5taW4oYSxyKSkvMipsO3JldHVybntjaHVuazpNYXRoLmFicyhyLWEpLzIqbC9zLHJhdGlvOmkuYmFyUGVyY2VudGFnZSxzdGFydDpofX0odCxlLG4saSpjKTpmdW5jdGlvbih0LGUsaSxuKXtjb25zdCBvPWkuYmFyVGhpY2tuZXNzO2xldCBhLHI7cmV0dXJuIHMobyk/KGE9ZS5taW4qaS5jYXRlZ29yeVBlcmNlbnRhZ2Uscj1pLmJhclBlcmNlbnRhZ2UpOihhPW8qbixyPTEpLHtjaHVuazphL24scmF0aW86cixzdGFydDplLnBpeGVsc1t0XS1hLzJ9fSh0LGUsbixpKmMpLHU9IngiPT09dGhpcy5jaGFydC5vcHRpb25zLmluZGV4QXhpcz90aGlzLmdldERhdGFzZXQoKS54QXhpc0lEOnRoaXMuZ2V0RGF0YXNldCgpLnlBeGlzSUQsZj10aGlzLl9nZXRBeGlzKCkuaW5kZXhPZihsKHUsdGhpcy5nZXRGaXJzdFNjYWxlSWRGb3JJbmRleEF4aXMoKSkpLGc9dGhpcy5fZ2V0U3RhY2tJbmRleCh0aGlzLmluZGV4LHRoaXMuX2NhY2hlZE1ldGEuc3RhY2ssbz90OnZvaWQgMCkrZjtyPWQuc3RhcnQrZC5jaHVuaypnK2QuY2h1bmsvMixoPU1hdGgubWluKGEsZC5jaHVuaypkLnJhdGlvKX1lbHNlIHI9aS5nZXRQaXhlbEZvclZhbHVlKHRoaXMuZ2V0UGFyc2VkKHQpW2kuYXhpc10sdCksaD1NYXRoLm1pbihhLGUubWluKmUucmF0aW8pO3JldHVybntiYXNlOnItaC8yLGhlYWQ6citoLzIsY2VudGVyOnIsc2l6ZTpofX1kcmF3KCl7Y29uc3QgdD10aGlzLl9jYWNoZWRNZXRhLGU9dC52U2NhbGUsaT10LmRhdGEscz1pLmxlbmd0aDtsZXQgbj0wO2Zvcig7bjxzOysrbiludWxsPT09dGhpcy5nZXRQYXJzZWQobilbZS5heGlzXXx8aVtuXS5oaWRkZW58fGlbbl0uZHJhdyh0aGlzLl9jdHgpfX0sQnViYmxlQ29udHJvbGxlcjpjbGFzcyBleHRlbmRzIGpze3N0YXRpYyBpZD0iYnViYmxlIjtzdGF0aWMgZGVmYXVsdHM9e2RhdGFzZXRFbGVtZW50VHlwZTohMSxkYXRhRWxlbWVudFR5cGU6InBvaW50IixhbmltYXRpb25zOntudW1iZXJzOnt0eXBlOiJudW1iZXIiLHByb3BlcnRpZXM6WyJ4IiwieSIsImJvcmRlcldpZHRoIiwicmFkaXVzIl19fX07c3RhdGljIG92ZXJyaWRlcz17c2NhbGVzOnt4Ont0eXBlOiJsaW5lYXIifSx5Ont0eXBlOiJsaW5lYXIifX19O2luaXRpYWxpemUoKXt0aGlzLmVuYWJsZU9wdGlvblNoYXJpbmc9ITAsc3VwZXIuaW5pdGlhbGl6ZSgpfXBhcnNlUHJpbWl0aXZlRGF0YSh0LGUsaSxzKXtjb25zdCBuPXN1cGVyLnBhcnNlUHJpbWl0aXZlRGF0YSh0LGUsaSxzKTtmb3IobGV0IHQ9MDt0PG4ubGVuZ3RoO3QrKyluW3RdLl9jdXN0b209dGhpcy5yZXNvbHZlRGF0YUVsZW1lbnRPcHRpb25zKHQraSkucmFkaXVzO3JldHVybiBufXBhcnNlQXJyYXlEYXRhKHQsZSxpLHMpe2NvbnN0IG49c3VwZXIucGFyc2VBcnJheURhdGEodCxlLGkscyk7Zm9yKGxldCB0PTA7dDxuLmxlbmd0aDt0Kyspe2NvbnN0IHM9ZVtpK3RdO25bdF0uX2N1c3RvbT1sKHNbMl0sdGhpcy5yZXNvbHZlRGF0YUVsZW1lbnRPcHRpb25zKHQraSkucmFkaXVzKX1yZXR1cm4gbn1wYXJzZU9iamVjdERhdGEodCxlLGkscyl7Y29uc3Qgbj1zdXBlci5wYXJzZU9iamVjdERhdGEodCxlLGkscyk7Zm9yKGxldCB0PTA7dDxuLmxlbmd0aDt0Kyspe2NvbnN0IHM9ZVtpK3RdO25bdF0uX2N1c3RvbT1sKHMmJnMuciYmK3Mucix0aGlzLnJlc29sdmVEYXRhRWxlbWVudE9wdGlvbnModCtpKS5yYWRpdXMpfXJldHVybiBufWdldE1heE92ZXJmbG93KCl7Y29uc3QgdD10aGlzLl9jYWNoZWRNZXRhLmRhdGE7bGV0IGU9MDtmb3IobGV0IGk9dC5sZW5ndGgtMTtpPj0wOy0taSllPU1hdGgubWF4KGUsdFtpXS5zaXplKHRoaXMucmVzb2x2ZURhdGFFbGVtZW50T3B0aW9ucyhpKSkvMik7cmV0dXJuIGU+MCYmZX1nZXRMYWJlbEFuZFZhbHVlKHQpe2NvbnN0IGU9dGhpcy5fY2FjaGVkTWV0YSxpPXRoaXMuY2hhcnQuZGF0YS5sYWJlbHN8fFtdLHt4U2NhbGU6cyx5U2NhbGU6bn09ZSxvPXRoaXMuZ2V0UGFyc2VkKHQpLGE9cy5nZXRMYWJlbEZvclZhbHVlKG8ueCkscj1uLmdldExhYmVsRm9yVmFsdWUoby55KSxsPW8uX2N1c3RvbTtyZXR1cm57bGFiZWw6aVt0XXx8IiIsdmFsdWU6IigiK2ErIiwgIityKyhsPyIsICIrbDoiIikrIikifX11cGRhdGUodCl7Y29uc3QgZT10aGlzLl9jYWNoZWRNZXRhLmRhdGE7dGhpcy51cGRhdGVFbGVtZW50cyhlLDAsZS5sZW5ndGgsdCl9dXBkYXRlRWxlbWVudHModCxlLGkscyl7Y29uc3Qgbj0icmVzZXQiPT09cyx7aVNjYWxlOm8sdlNjYWxlOmF9PXRoaXMuX2NhY2hlZE1ldGEse3NoYXJlZE9wdGlvbnM6cixpbmNsdWRlT3B0aW9uczpsfT10aGlzLl9nZXRTaGFyZWRPcHRpb25zKGUscyksaD1vLmF4aXMsYz1hLmF4aXM7Zm9yKGxldCBkPWU7ZDxlK2k7ZCsrKXtjb25zdCBlPXRbZF0saT0hbiYmdGhpcy5nZXRQYXJzZWQoZCksdT17fSxmPXVbaF09bj9vLmdldFBpeGVsRm9yRGVjaW1hbCguNSk6by5nZXRQaXhlbEZvclZhbHVlKGlbaF0pLGc9dVtjXT1uP2EuZ2V0QmFzZVBpeGVsKCk6YS5nZXRQaXhlbEZvclZhbHVlKGlbY10pO3Uuc2tpcD1pc05hTihmKXx8aXNOYU4oZyksbCYmKHUub3B0aW9ucz1yfHx0aGlzLnJlc29sdmVEYXRhRWxlbWVudE9wdGlvbnMoZCxlLmFjdGl2ZT8iYWN0aXZlIjpzKSxuJiYodS5vcHRpb25zLnJhZGl1cz0wKSksdGhpcy51cGRhdGVFbGVtZW50KGUsZCx1LHMpfX1yZXNvbHZlRGF0YUVsZW1lbnRPcHRpb25zKHQsZSl7Y29uc3QgaT10aGlzLmdldFBhcnNlZCh0KTtsZXQgcz1zdXBlci5yZXNvbHZlRGF0YUVsZW1lbnRPcHRpb25zKHQsZSk7cy4kc2hhcmVkJiYocz1PYmplY3QuYXNzaWduKHt9LHMseyRzaGFyZWQ6ITF9KSk7Y29uc3Qgbj1zLnJhZGl1cztyZXR1cm4iYWN0aXZlIiE9PWUmJihzLnJhZGl1cz0wKSxzLnJhZGl1cys9bChpJiZpLl9jdXN0b20sbiksc319LERvdWdobnV0Q29udHJvbGxlcjokbixMaW5lQ29udHJvbGxlcjpjbGFzcyBleHRlbmRzIGpze3N0YXRpYyBpZD0ibGluZSI7c3RhdGljIGRlZmF1bHRzPXtkYXRhc2V0RWxlbWVudFR5cGU6ImxpbmUiLGRhdGFFbGVtZW50VHlwZToicG9pbnQiLHNob3dMaW5lOiEwLHNwYW5HYXBzOiExfTtzdGF0aWMgb3ZlcnJpZGVzPXtzY2FsZXM6e19pbmRleF86e3R5cGU6ImNhdGVnb3J5In0sX3ZhbHVlXzp7dHlwZToibGluZWFyIn19fTtpbml0aWFsaXplKCl7dGhpcy5lbmFibGVPcHRpb25TaGFyaW5nPSEwLHRoaXMuc3VwcG9ydHNEZWNpbWF0aW9uPSEwLHN1cGVyLmluaXRpYWxpemUoKX11cGRhdGUodCl7Y29uc3QgZT10aGlzLl9jYWNoZWRNZXRhLHtkYXRhc2V0OmksZGF0YTpzPVtdLF9kYXRhc2V0Om59PWUsbz10aGlzLmNoYXJ0Ll9hbmltYXRpb25zRGlzYWJsZWQ7bGV0e3N0YXJ0OmEsY291bnQ6cn09cHQoZSxzLG8pO3RoaXMuX2RyYXdTdGFydD1hLHRoaXMuX2RyYXdDb3VudD1yLG10KGUpJiYoYT0wLHI9cy5sZW5ndGgpLGkuX2NoYXJ0PXRoaXMuY2hhcnQsaS5fZGF0YXNldEluZGV4PXRoaXMuaW5kZXgsaS5fZGVjaW1hdGVkPSEhbi5fZGVjaW1hdGVkLGkucG9pbnRzPXM7Y29uc3QgbD10aGlzLnJlc29sdmVEYXRhc2V0RWxlbWVudE9wdGlvbnModCk7dGhpcy5vcHRpb25zLnNob3dMaW5lfHwobC5ib3JkZXJXaWR0aD0wKSxsLnNlZ21lbnQ9dGhpcy5vcHRpb25zLnNlZ21lbnQsdGhpcy51cGRhdGVFbGVtZW50KGksdm9pZCAwLHthbmltYXRlZDohbyxvcHRpb25zOmx9LHQpLHRoaXMudXBkYXRlRWxlbWVudHMocyxhLHIsdCl9dXBkYXRlRWxlbWVudHModCxlLGksbil7Y29uc3Qgbz0icmVzZXQiPT09bix7aVNjYWxlOmEsdlNjYWxlOnIsX3N0YWNrZWQ6bCxfZGF0YXNldDpofT10aGlzLl9jYWNoZWRNZXRhLHtzaGFyZWRPcHRpb25zOmMsaW5jbHVkZU9wdGlvbnM6ZH09dGhpcy5fZ2V0U2hhcmVkT3B0aW9ucyhlLG4pLHU9YS5heGlzLGY9ci5heGlzLHtzcGFuR2FwczpnLHNlZ21lbnQ6cH09dGhpcy5vcHRpb25zLG09VyhnKT9nOk51bWJlci5QT1NJVElWRV9JTkZJTklUWSx4PXRoaXMuY2hhcnQuX2FuaW1hdGlvbnNEaXNhYmxlZHx8b3x8Im5vbmUiPT09bixiPWUraSxfPXQubGVuZ3RoO2xldCB5PWU+MCYmdGhpcy5nZXRQYXJzZWQoZS0xKTtmb3IobGV0IGk9MDtpPF87KytpKXtjb25zdCBnPXRbaV0sXz14P2c6e307aWYoaTxlfHxpPj1iKXtfLnNraXA9ITA7Y29udGludWV9Y29uc3Qgdj10aGlzLmdldFBhcnNlZChpKSxNPXModltmXSksdz1fW3VdPWEuZ2V0UGl4ZWxGb3JWYWx1ZSh2W3VdLGkpLGs9X1tmXT1vfHxNP3IuZ2V0QmFzZVBpeGVsKCk6ci5nZXRQaXhlbEZvclZhbHVlKGw/dGhpcy5hcHBseVN0YWNrKHIsdixsKTp2W2ZdLGkpO18uc2tpcD1pc05hTih3KXx8aXNOYU4oayl8fE0sXy5zdG9wPWk+MCYmTWF0aC5hYnModlt1XS15W3VdKT5tLHAmJihfLnBhcnNlZD12LF8ucmF3PWguZGF0YVtpXSksZCYmKF8ub3B0aW9ucz1jfHx0aGlzLnJlc29sdmVEYXRhRWxlbWVudE9wdGlvbnMoaSxnLmFjdGl2ZT8iYWN0aXZlIjpuKSkseHx8dGhpcy51cGRhdGVFbGVtZW50KGcsaSxfLG4pLHk9dn19Z2V0TWF4T3ZlcmZsb3coKXtjb25zdCB0PXRoaXMuX2NhY2hlZE1ldGEsZT10LmRhdGFzZXQsaT1lLm9wdGlvbnMmJmUub3B0aW9ucy5ib3JkZXJXaWR0aHx8MCxzPXQuZGF0YXx8W107aWYoIXMubGVuZ3RoKXJldHVybiBpO2NvbnN0IG49c1swXS5zaXplKHRoaXMucmVzb2x2ZURhdGFFbGVtZW50T3B0aW9ucygwKSksbz1zW3MubGVuZ3RoLTFdLnNpemUodGhpcy5yZXNvbHZlRGF0YUVsZW1lbnRPcHRpb25zKHMubGVuZ3RoLTEpKTtyZXR1cm4gTWF0aC5tYXgoaSxuLG8pLzJ9ZHJhdygpe2NvbnN0IHQ9dGhpcy5fY2FjaGVkTWV0YTt0LmRhdGFzZXQudXBkYXRlQ29udHJvbFBvaW50cyh0aGlzLmNoYXJ0LmNoYXJ0QXJlYSx0LmlTY2FsZS5heGlzKSxzdXBlci5kcmF3KCl9fSxQaWVDb250cm9sbGVyOmNsYXNzIGV4dGVuZHMgJG57c3RhdGljIGlkPSJwaWUiO3N0YXRpYyBkZWZhdWx0cz17Y3V0b3V0OjAscm90YXRpb246MCxjaXJjdW1mZXJlbmNlOjM2MCxyYWRpdXM6IjEwMCUifX0sUG9sYXJBcmVhQ29udHJvbGxlcjpZbixSYWRhckNvbnRyb2xsZXI6Y2xhc3MgZXh0ZW5kcyBqc3tzdGF0aWMgaWQ9InJhZGFyIjtzdGF0aWMgZGVmYXVsdHM9e2RhdGFzZXRFbGVtZW50VHlwZToibGluZSIsZGF0YUVsZW1lbnRUeXBlOiJwb2ludCIsaW5kZXhBeGlzOiJyIixzaG93TGluZTohMCxlbGVtZW50czp7bGluZTp7ZmlsbDoic3RhcnQifX19O3N0YXRpYyBvdmVycmlkZXM9e2FzcGVjdFJhdGlvOjEsc2NhbGVzOntyOnt0eXBlOiJyYWRpYWxMaW5lYXIifX19O2dldExhYmVsQW5kVmFsdWUodCl7Y29uc3QgZT10aGlzLl9jYWNoZWRNZXRhLnZTY2FsZSxpPXRoaXMuZ2V0UGFyc2VkKHQpO3JldHVybntsYWJlbDplLmdldExhYmVscygpW3RdLHZhbHVlOiIiK2UuZ2V0TGFiZWxGb3JWYWx1ZShpW2UuYXhpc10pfX1wYXJzZU9iamVjdERhdGEodCxlLGkscyl7cmV0dXJuIGlpLmJpbmQodGhpcykodCxlLGkscyl9dXBkYXRlKHQpe2NvbnN0IGU9dGhpcy5fY2FjaGVkTWV0YSxpPWUuZGF0YXNldCxzPWUuZGF0YXx8W10sbj1lLmlTY2FsZS5nZXRMYWJlbHMoKTtpZihpLnBvaW50cz1zLCJyZXNpemUiIT09dCl7Y29uc3QgZT10aGlzLnJlc29sdmVEYXRhc2V0RWxlbWVudE9wdGlvbnModCk7dGhpcy5vcHRpb25zLnNob3dMaW5lfHwoZS5ib3JkZXJXaWR0aD0wKTtjb25zdCBvPXtfbG9vcDohMCxfZnVsbExvb3A6bi5sZW5ndGg9PT1zLmxlbmd0aCxvcHRpb25zOmV9O3RoaXMudXBkYXRlRWxlbWVudChpLHZvaWQgMCxvLHQpfXRoaXMudXBkYXRlRWxlbWVudHMocywwLHMubGVuZ3RoLHQpfXVwZGF0ZUVsZW1lbnRzKHQsZSxpLHMpe2NvbnN0IG49dGhpcy5fY2FjaGVkTWV0YS5yU2NhbGUsbz0icmVzZXQiPT09cztmb3IobGV0IGE9ZTthPGUraTthKyspe2NvbnN0IGU9dFthXSxpPXRoaXMucmVzb2x2ZURhdGFFbGVtZW50T3B0aW9ucyhhLGUuYWN0aXZlPyJhY3RpdmUiOnMpLHI9bi5nZXRQb2ludFBvc2l0aW9uRm9yVmFsdWUoYSx0aGlzLmdldFBhcnNlZChhKS5yKSxsPW8/bi54Q2VudGVyOnIueCxoPW8/bi55Q2VudGVyOnIueSxjPXt4OmwseTpoLGFuZ2xlOnIuYW5nbGUsc2tpcDppc05hTihsKXx8aXNOYU4oaCksb3B0aW9uczppfTt0aGlzLnVwZGF0ZUVsZW1lbnQoZSxhLGMscyl9fX0sU2NhdHRlckNvbnRyb2xsZXI6Y2xhc3MgZXh0ZW5kcyBqc3tzdGF0aWMgaWQ9InNjYXR0ZXIiO3N0YXRpYyBkZWZhdWx0cz17ZGF0YXNldEVsZW1lbnRUeXBlOiExLGRhdGFFbGVtZW50VHlwZToicG9pbnQiLHNob3dMaW5lOiExLGZpbGw6ITF9O3N0YXRpYyBvdmVycmlkZXM9e2ludGVyYWN0aW9uOnttb2RlOiJwb2ludCJ9LHNjYWxlczp7eDp7dHlwZToibGluZWFyIn0seTp7dHlwZToibGluZWFyIn19fTtnZXRMYWJlbEFuZFZhbHVlKHQpe2NvbnN0IGU9dGhpcy5fY2FjaGVkTWV0YSxpPXRoaXMuY2hhcnQuZGF0YS5sYWJlbHN8fFtdLHt4U2NhbGU6cyx5U2NhbGU6bn09ZSxvPXRoaXMuZ2V0UGFyc2VkKHQpLGE9cy5nZXRMYWJlbEZvclZhbHVlKG8ueCkscj1uLmdldExhYmVsRm9yVmFsdWUoby55KTtyZXR1cm57bGFiZWw6aVt0XXx8IiIsdmFsdWU6IigiK2ErIiwgIityKyIpIn19dXBkYXRlKHQpe2NvbnN0IGU9dGhpcy5fY2FjaGVkTWV0YSx7ZGF0YTppPVtdfT1lLHM9dGhpcy5jaGFydC5fYW5pbWF0aW9uc0Rpc2FibGVkO2xldHtzdGFydDpuLGNvdW50Om99PXB0KGUsaSxzKTtpZih0aGlzLl9kcmF3U3RhcnQ9bix0aGlzLl9kcmF3Q291bnQ9byxtdChlKSYmKG49MCxvPWkubGVuZ3RoKSx0aGlzLm9wdGlvbnMuc2hvd0xpbmUpe3RoaXMuZGF0YXNldEVsZW1lbnRUeXBlfHx0aGlzLmFkZEVsZW1lbnRzKCk7Y29uc3R7ZGF0YXNldDpuLF9kYXRhc2V0Om99PWU7bi5fY2hhcnQ9dGhpcy5jaGFydCxuLl9kYXRhc2V0SW5kZXg9dGhpcy5pbmRleCxuLl9kZWNpbWF0ZWQ9ISFvLl9kZWNpbWF0ZWQsbi5wb2ludHM9aTtjb25zdCBhPXRoaXMucmVzb2x2ZURhdGFzZXRFbGVtZW50T3B0aW9ucyh0KTthLnNlZ21lbnQ9dGhpcy5vcHRpb25zLnNlZ21lbnQsdGhpcy51cGRhdGVFbGVtZW50KG4sdm9pZCAwLHthbmltYXRlZDohcyxvcHRpb25zOmF9LHQpfWVsc2UgdGhpcy5kYXRhc2V0RWxlbWVudFR5cGUmJihkZWxldGUgZS5kYXRhc2V0LHRoaXMuZGF0YXNldEVsZW1lbnRUeXBlPSExKTt0aGlzLnVwZGF0ZUVsZW1lbnRzKGksbixvLHQpfWFkZEVsZW1lbnRzKCl7Y29uc3R7c2hvd0xpbmU6dH09dGhpcy5vcHRpb25zOyF0aGlzLmRhdGFzZXRFbGVtZW50VHlwZSYmdCYmKHRoaXMuZGF0YXNldEVsZW1lbnRUeXBlPXRoaXMuY2hhcnQucmVnaXN0cnkuZ2V0RWxlbWVudCgibGluZSIpKSxzdXBlci5hZGRFbGVtZW50cygpfXVwZGF0ZUVsZW1lbnRzKHQsZSxpLG4pe2NvbnN0IG89InJlc2V0Ij09PW4se2lTY2FsZTphLHZTY2FsZTpyLF9zdGFja2VkOmwsX2RhdGFzZXQ6aH09dGhpcy5fY2FjaGVkTWV0YSxjPXRoaXMucmVzb2x2ZURhdGFFbGVtZW50T3B0aW9ucyhlLG4pLGQ9dGhpcy5nZXRTaGFyZWRPcHRpb25zKGMpLHU9dGhpcy5pbmNsdWRlT3B0aW9ucyhuLGQpLGY9YS5heGlzLGc9ci5heGlzLHtzcGFuR2FwczpwLHNlZ21lbnQ6bX09dGhpcy5vcHRpb25zLHg9VyhwKT9wOk51bWJlci5QT1NJVElWRV9JTkZJTklUWSxiPXRoaXMuY2hhcnQuX2FuaW1hdGlvbnNEaXNhYmxlZHx8b3x8Im5vbmUiPT09bjtsZXQgXz1lPjAmJnRoaXMuZ2V0UGFyc2VkKGUtMSk7Zm9yKGxldCBjPWU7YzxlK2k7KytjKXtjb25zdCBlPXRbY10saT10aGlzLmdldFBhcnNlZChjKSxwPWI/ZTp7fSx5PXMoaVtnXSksdj1wW2ZdPWEuZ2V0UGl4ZWxGb3JWYWx1ZShpW2ZdLGMpLE09cFtnXT1vfHx5P3IuZ2V0QmFzZVBpeGVsKCk6ci5nZXRQaXhlbEZvclZhbHVlKGw/dGhpcy5hcHBseVN0YWNrKHIsaSxsKTppW2ddLGMpO3Auc2tpcD1pc05hTih2KXx8aXNOYU4oTSl8fHkscC5zdG9wPWM+MCYmTWF0aC5hYnMoaVtmXS1fW2ZdKT54LG0mJihwLnBhcnNlZD1pLHAucmF3PWguZGF0YVtjXSksdSYmKHAub3B0aW9ucz1kfHx0aGlzLnJlc29sdmVEYXRhRWxlbWVudE9wdGlvbnMoYyxlLmFjdGl2ZT8iYWN0aXZlIjpuKSksYnx8dGhpcy51cGRhdGVFbGVtZW50KGUsYyxwLG4pLF89aX10aGlzLnVwZGF0ZVNoYXJlZE9wdGlvbnMoZCxuLGMpfWdldE1heE92ZXJmbG93KCl7Y29uc3QgdD10aGlzLl9jYWNoZWRNZXRhLGU9dC5kYXRhfHxbXTtpZighdGhpcy5vcHRpb25zLnNob3dMaW5lKXtsZXQgdD0wO2ZvcihsZXQgaT1lLmxlbmd0aC0xO2k+PTA7LS1pKXQ9TWF0aC5tYXgodCxlW2ldLnNpemUodGhpcy5yZXNvbHZlRGF0YUVsZW1lbnRPcHRpb25zKGkpKS8yKTtyZXR1cm4gdD4wJiZ0fWNvbnN0IGk9dC5kYXRhc2V0LHM9aS5vcHRpb25zJiZpLm9wdGlvbnMuYm9yZGVyV2lkdGh8fDA7aWYoIWUubGVuZ3RoKXJldHVybiBzO2NvbnN0IG49ZVswXS5zaXplKHRoaXMucmVzb2x2ZURhdGFFbGVtZW50T3B0aW9ucygwKSksbz1lW2UubGVuZ3RoLTFdLnNpemUodGhpcy5yZXNvbHZlRGF0YUVsZW1lbnRPcHRpb25zKGUubGVuZ3RoLTEpKTtyZXR1cm4gTWF0aC5tYXgocyxuLG8pLzJ9fX0pO2Z1bmN0aW9uIFhuKHQsZSxpLHMpe2NvbnN0IG49dmkodC5vcHRpb25zLmJvcmRlclJhZGl1cyxbIm91dGVyU3RhcnQiLCJvdXRlckVuZCIsImlubmVyU3RhcnQiLCJpbm5lckVuZCJdKTtjb25zdCBvPShpLWUpLzIsYT1NYXRoLm1pbihvLHMqZS8yKSxyPXQ9Pntjb25zdCBlPShpLU1hdGgubWluKG8sdCkpKnMvMjtyZXR1cm4gWih0LDAsTWF0aC5taW4obyxlKSl9O3JldHVybntvdXRlclN0YXJ0OnIobi5vdXRlclN0YXJ0KSxvdXRlckVuZDpyKG4ub3V0ZXJFbmQpLGlubmVyU3RhcnQ6WihuLmlubmVyU3RhcnQsMCxhKSxpbm5lckVuZDpaKG4uaW5uZXJFbmQsMCxhKX19ZnVuY3Rpb24gcW4odCxlLGkscyl7cmV0dXJue3g6aSt0Kk1hdGguY29zKGUpLHk6cyt0Kk1hdGguc2luKGUpfX1mdW5jdGlvbiBLbih0LGUsaSxzLG4sbyl7Y29uc3R7eDphLHk6cixzdGFydEFuZ2xlOmwscGl4ZWxNYXJnaW46aCxpbm5lclJhZGl1czpjfT1lLHtzcGFjaW5nTW9kZTpkPSJhbmd1bGFyIn09ZS5vcHRpb25zLHU9bi1sO2lmKG8mJmUub3B0aW9ucy5zZWxmSm9pbiYmTWF0aC5hYnModSk+PU8tMWUtNClyZXR1cm4gdm9pZCBmdW5jdGlvbih0LGUsaSxzKXtjb25zdHt4Om4seTpvLHN0YXJ0QW5nbGU6YSxwaXhlbE1hcmdpbjpyLGlubmVyUmFkaXVzOmx9PWUsaD1NYXRoLm1heChlLm91dGVyUmFkaXVzK3MraS1yLDApLGM9bD4wP2wrcytpK3I6MDt0LmJlZ2luUGF0aCgpLHQuYXJjKG4sbyxoLGEsYStPKSxjPjAmJih0Lm1vdmVUbyhuK01hdGguY29zKGEpKmMsbytNYXRoLnNpbihhKSpjKSx0LmFyYyhuLG8sYyxhK08sYSwhMCkpLHQuY2xvc2VQYXRoKCl9KHQsZSxpLHMpO2NvbnN0IGY9TWF0aC5tYXgoZS5vdXRlclJhZGl1cytzK2ktaCwwKTtsZXQgZz1jPjA/YytzK2kraDowLHA9MCxtPTA7Y29uc3QgeD1mPjA/TWF0aC5tYXgoLjAwMSx1KmYtaS9DKS9mOi4wMDEsYj0odS14KS8yO2lmKHMpe2NvbnN0IHQ9KChjPjA/Yy1zOjApKyhmPjA/Zi1zOjApKS8yLGU9KHUtKDAhPT10P3UqdC8odCtzKTp1KSkvMixpPXQ+MD9NYXRoLmFzaW4oTWF0aC5taW4oMSxzL3QpKTowLG49TWF0aC5tYXgoMCx4LzItLjAwMSksbz1NYXRoLnNpbihuKTtpZigicGFyYWxsZWwiPT09ZCl7aWYoMD09PWcmJm8+MCl7Y29uc3QgdD1zL28sZT1NYXRoLm1heCgwLGYtLjAwMSk7Zz1NYXRoLm1pbih0LGUpfWNvbnN0IHQ9TWF0aC5taW4oZj4wP2YqbzpOdW1iZXIuUE9TSVRJVkVfSU5GSU5JVFksZz4wP2cqbzpOdW1iZXIuUE9TSVRJVkVfSU5GSU5JVFkpLGU9TWF0aC5taW4ocyx0KTtwPWY+MD9NYXRoLmFzaW4oTWF0aC5taW4oMSxlL2YpKTpNYXRoLm1pbihuLGkpLG09Zz4wP01hdGguYXNpbihNYXRoLm1pbigxLGUvZykpOnB9ZWxzZSJwcm9wb3J0aW9uYWwiPT09ZD8ocD1NYXRoLm1pbihuLGUpLG09TWF0aC5taW4obixlKSk6KHA9TWF0aC5taW4obixpKSxtPU1hdGgubWluKG4saSkpfWNvbnN0IF89bCtiK3AseT1uLWItcCx2PWwrYittLE09bi1iLW0sdz1NYXRoLm1pbih5LV8sTS12KSx7b3V0ZXJTdGFydDprLG91dGVyRW5kOlMsaW5uZXJTdGFydDpQLGlubmVyRW5kOkR9PVhuKGUsZyxmLHcpLEE9Zi1rLFQ9Zi1TLEw9XytrL0EsUj15LVMvVCxJPWcrUCx6PWcrRCxGPXYrUC9JLFY9TS1EL3o7aWYodC5iZWdpblBhdGgoKSxvKXtjb25zdCBlPShMK1IpLzI7aWYodC5hcmMoYSxyLGYsTCxlKSx0LmFyYyhhLHIsZixlLFIpLFM+MCl7Y29uc3QgZT1xbihULFIsYSxyKTt0LmFyYyhlLngsZS55LFMsUix5K0UpfWNvbnN0IGk9cW4oeixNLGEscik7aWYodC5saW5lVG8oaS54LGkueSksRD4wKXtjb25zdCBlPXFuKHosVixhLHIpO3QuYXJjKGUueCxlLnksRCxNK0UsVitNYXRoLlBJKX1jb25zdCBzPShNLUQvZysoditQL2cpKS8yO2lmKHQuYXJjKGEscixnLE0tRC9nLHMsITApLHQuYXJjKGEscixnLHMsditQL2csITApLFA+MCl7Y29uc3QgZT1xbihJLEYsYSxyKTt0LmFyYyhlLngsZS55LFAsRitNYXRoLlBJLHYtRSl9Y29uc3Qgbj1xbihBLF8sYSxyKTtpZih0LmxpbmVUbyhuLngsbi55KSxrPjApe2NvbnN0IGU9cW4oQSxMLGEscik7dC5hcmMoZS54LGUueSxrLF8tRSxMKX19ZWxzZXt0Lm1vdmVUbyhhLHIpO2NvbnN0IGU9TWF0aC5jb3MoTCkqZithLGk9TWF0aC5zaW4oTCkqZityO3QubGluZVRvKGUsaSk7Y29uc3Qgcz1NYXRoLmNvcyhSKSpmK2Esbj1NYXRoLnNpbihSKSpmK3I7dC5saW5lVG8ocyxuKX10LmNsb3NlUGF0aCgpfWZ1bmN0aW9uIEduKHQsZSxpLHMsbil7Y29uc3R7ZnVsbENpcmNsZXM6byxzdGFydEFuZ2xlOmEsY2lyY3VtZmVyZW5jZTpyLG9wdGlvbnM6bH09ZSx7Ym9yZGVyV2lkdGg6aCxib3JkZXJKb2luU3R5bGU6Yyxib3JkZXJEYXNoOmQsYm9yZGVyRGFzaE9mZnNldDp1LGJvcmRlclJhZGl1czpmfT1sLGc9ImlubmVyIj09PWwuYm9yZGVyQWxpZ247aWYoIWgpcmV0dXJuO3Quc2V0TGluZURhc2goZHx8W10pLHQubGluZURhc2hPZmZzZXQ9dSxnPyh0LmxpbmVXaWR0aD0yKmgsdC5saW5lSm9pbj1jfHwicm91bmQiKToodC5saW5lV2lkdGg9aCx0LmxpbmVKb2luPWN8fCJiZXZlbCIpO2xldCBwPWUuZW5kQW5nbGU7Y29uc3QgbT1NYXRoLmFicyhwLWEpPj1PLTFlLTQ7aWYobyl7S24odCxlLGkscyxwLG4pO2ZvcihsZXQgZT0wO2U8bzsrK2UpdC5zdHJva2UoKTtpc05hTihyKXx8KHA9YSsociVPfHxPKSl9ZyYmZnVuY3Rpb24odCxlLGkpe2NvbnN0e3N0YXJ0QW5nbGU6cyxwaXhlbE1hcmdpbjpuLHg6byx5OmEsb3V0ZXJSYWRpdXM6cixpbm5lclJhZGl1czpsfT1lO2xldCBoPW4vcjt0LmJlZ2luUGF0aCgpLHQuYXJjKG8sYSxyLHMtaCxpK2gpLGw+bj8oaD1uL2wsdC5hcmMobyxhLGwsaStoLHMtaCwhMCkpOnQuYXJjKG8sYSxuLGkrRSxzLUUpLHQuY2xvc2VQYXRoKCksdC5jbGlwKCl9KHQsZSxwKTshKG0mJmUuaW5uZXJSYWRpdXM+MCkmJmwuc2VsZkpvaW4mJnAtYT49QyYmMD09PWYmJiJtaXRlciIhPT1jJiZmdW5jdGlvbih0LGUsaSl7Y29uc3R7c3RhcnRBbmdsZTpzLHg6bix5Om8sb3V0ZXJSYWRpdXM6YSxpbm5lclJhZGl1czpyLG9wdGlvbnM6bH09ZSx7Ym9yZGVyV2lkdGg6aCxib3JkZXJKb2luU3R5bGU6Y309bCxkPU1hdGgubWluKGgvYSxHKHMtaSkpO2lmKHQuYmVnaW5QYXRoKCksdC5hcmMobixvLGEtaC8yLHMrZC8yLGktZC8yKSxyPjApe2NvbnN0IGU9TWF0aC5taW4oaC9yLEcocy1pKSk7dC5hcmMobixvLHIraC8yLGktZS8yLHMrZS8yLCEwKX1lbHNle2NvbnN0IGU9TWF0aC5taW4oaC8yLGEqRyhzLWkpKTtpZigicm91bmQiPT09Yyl0LmFyYyhuLG8sZSxpLUMvMixzK0MvMiwhMCk7ZWxzZSBpZigiYmV2ZWwiPT09Yyl7Y29uc3QgYT0yKmUqZSxyPS1hKk1hdGguY29zKGkrQy8yKStuLGw9LWEqTWF0aC5zaW4oaStDLzIpK28saD1hKk1hdGguY29zKHMrQy8yKStuLGM9YSpNYXRoLnNpbihzK0MvMikrbzt0LmxpbmVUbyhyLGwpLHQubGluZVRvKGgsYyl9fXQuY2xvc2VQYXRoKCksdC5tb3ZlVG8oMCwwKSx0LnJlY3QoMCwwLHQuY2FudmFzLndpZHRoLHQuY2FudmFzLmhlaWdodCksdC5jbGlwKCJldmVub2RkIil9KHQsZSxwKSxvfHwoS24odCxlLGkscyxwLG4pLHQuc3Ryb2tlKCkpfWZ1bmN0aW9uIEpuKHQsZSxpPWUpe3QubGluZUNhcD1sKGkuYm9yZGVyQ2FwU3R5bGUsZS5ib3JkZXJDYXBTdHlsZSksdC5zZXRMaW5lRGFzaChsKGkuYm9yZGVyRGFzaCxlLmJvcmRlckRhc2gpKSx0LmxpbmVEYXNoT2Zmc2V0PWwoaS5ib3JkZXJEYXNoT2Zmc2V0LGUuYm9yZGVyRGFzaE9mZnNldCksdC5saW5lSm9pbj1sKGkuYm9yZGVySm9pblN0eWxlLGUuYm9yZGVySm9pblN0eWxlKSx0LmxpbmVXaWR0aD1sKGkuYm9yZGVyV2lkdGgsZS5ib3JkZXJXaWR0aCksdC5zdHJva2VTdHlsZT1sKGkuYm9yZGVyQ29sb3IsZS5ib3JkZXJDb2xvcil9ZnVuY3Rpb24gWm4odCxlLGkpe3QubGluZVRvKGkueCxpLnkpfWZ1bmN0aW9uIFFuKHQsZSxpPXt9KXtjb25zdCBzPXQubGVuZ3RoLHtzdGFydDpuPTAsZW5kOm89cy0xfT1pLHtzdGFydDphLGVuZDpyfT1lLGw9TWF0aC5tYXgobixhKSxoPU1hdGgubWluKG8sciksYz1uPGEmJm88YXx8bj5yJiZvPnI7cmV0dXJue2NvdW50OnMsc3RhcnQ6bCxsb29wOmUubG9vcCxpbGVuOmg8bCYmIWM/cytoLWw6aC1sfX1mdW5jdGlvbiB0byh0LGUsaSxzKXtjb25zdHtwb2ludHM6bixvcHRpb25zOm99PWUse2NvdW50OmEsc3RhcnQ6cixsb29wOmwsaWxlbjpofT1RbihuLGkscyksYz1mdW5jdGlvbih0KXtyZXR1cm4gdC5zdGVwcGVkP0ZlOnQudGVuc2lvbnx8Im1vbm90b25lIj09PXQuY3ViaWNJbnRlcnBvbGF0aW9uTW9kZT9WZTpabn0obyk7bGV0IGQsdSxmLHttb3ZlOmc9ITAscmV2ZXJzZTpwfT1zfHx7fTtmb3IoZD0wO2Q8PWg7KytkKXU9blsocisocD9oLWQ6ZCkpJWFdLHUuc2tpcHx8KGc/KHQubW92ZVRvKHUueCx1LnkpLGc9ITEpOmModCxmLHUscCxvLnN0ZXBwZWQpLGY9dSk7cmV0dXJuIGwmJih1PW5bKHIrKHA/aDowKSklYV0sYyh0LGYsdSxwLG8uc3RlcHBlZCkpLCEhbH1mdW5jdGlvbiBlbyh0LGUsaSxzKXtjb25zdCBuPWUucG9pbnRzLHtjb3VudDpvLHN0YXJ0OmEsaWxlbjpyfT1RbihuLGkscykse21vdmU6bD0hMCxyZXZlcnNlOmh9PXN8fHt9O2xldCBjLGQsdSxmLGcscCxtPTAseD0wO2NvbnN0IGI9dD0+KGErKGg/ci10OnQpKSVvLF89KCk9PntmIT09ZyYmKHQubGluZVRvKG0sZyksdC5saW5lVG8obSxmKSx0LmxpbmVUbyhtLHApKX07Zm9yKGwmJihkPW5bYigwKV0sdC5tb3ZlVG8oZC54LGQueSkpLGM9MDtjPD1yOysrYyl7aWYoZD1uW2IoYyldLGQuc2tpcCljb250aW51ZTtjb25zdCBlPWQueCxpPWQueSxzPTB8ZTtzPT09dT8oaTxmP2Y9aTppPmcmJihnPWkpLG09KHgqbStlKS8rK3gpOihfKCksdC5saW5lVG8oZSxpKSx1PXMseD0wLGY9Zz1pKSxwPWl9XygpfWZ1bmN0aW9uIGlvKHQpe2NvbnN0IGU9dC5vcHRpb25zLGk9ZS5ib3JkZXJEYXNoJiZlLmJvcmRlckRhc2gubGVuZ3RoO3JldHVybiEodC5fZGVjaW1hdGVkfHx0Ll9sb29wfHxlLnRlbnNpb258fCJtb25vdG9uZSI9PT1lLmN1YmljSW50ZXJwb2xhdGlvbk1vZGV8fGUuc3RlcHBlZHx8aSk/ZW86dG99Y29uc3Qgc289ImZ1bmN0aW9uIj09dHlwZW9mIFBhdGgyRDtmdW5jdGlvbiBubyh0LGUsaSxzKXtzbyYmIWUub3B0aW9ucy5zZWdtZW50P2Z1bmN0aW9uKHQsZSxpLHMpe2xldCBuPWUuX3BhdGg7bnx8KG49ZS5fcGF0aD1uZXcgUGF0aDJELGUucGF0aChuLGkscykmJm4uY2xvc2VQYXRoKCkpLEpuKHQsZS5vcHRpb25zKSx0LnN0cm9rZShuKX0odCxlLGkscyk6ZnVuY3Rpb24odCxlLGkscyl7Y29uc3R7c2VnbWVudHM6bixvcHRpb25zOm99PWUsYT1pbyhlKTtmb3IoY29uc3QgciBvZiBuKUpuKHQsbyxyLnN0eWxlKSx0LmJlZ2luUGF0aCgpLGEodCxlLHIse3N0YXJ0OmksZW5kOmkrcy0xfSkmJnQuY2xvc2VQYXRoKCksdC5zdHJva2UoKX0odCxlLGkscyl9Y2xhc3Mgb28gZXh0ZW5kcyAkc3tzdGF0aWMgaWQ9ImxpbmUiO3N0YXRpYyBkZWZhdWx0cz17Ym9yZGVyQ2FwU3R5bGU6ImJ1dHQiLGJvcmRlckRhc2g6W10sYm9yZGVyRGFzaE9mZnNldDowLGJvcmRlckpvaW5TdHlsZToibWl0ZXIiLGJvcmRlcldpZHRoOjMsY2FwQmV6aWVyUG9pbnRzOiEwLGN1YmljSW50ZXJwb2xhdGlvbk1vZGU6ImRlZmF1bHQiLGZpbGw6ITEsc3BhbkdhcHM6ITEsc3RlcHBlZDohMSx0ZW5zaW9uOjB9O3N0YXRpYyBkZWZhdWx0Um91dGVzPXtiYWNrZ3JvdW5kQ29sb3I6ImJhY2tncm91bmRDb2xvciIsYm9yZGVyQ29sb3I6ImJvcmRlckNvbG9yIn07c3RhdGljIGRlc2NyaXB0b3JzPXtfc2NyaXB0YWJsZTohMCxfaW5kZXhhYmxlOnQ9PiJib3JkZXJEYXNoIiE9PXQmJiJmaWxsIiE9PXR9O2NvbnN0cnVjdG9yKHQpe3N1cGVyKCksdGhpcy5hbmltYXRlZD0hMCx0aGlzLm9wdGlvbnM9dm9pZCAwLHRoaXMuX2NoYXJ0PXZvaWQgMCx0aGlzLl9sb29wPXZvaWQgMCx0aGlzLl9mdWxsTG9vcD12b2lkIDAsdGhpcy5fcGF0aD12b2lkIDAsdGhpcy5fcG9pbnRzPXZvaWQgMCx0aGlzLl9zZWdtZW50cz12b2lkIDAsdGhpcy5fZGVjaW1hdGVkPSExLHRoaXMuX3BvaW50c1VwZGF0ZWQ9ITEsdGhpcy5fZGF0YXNldEluZGV4PXZvaWQgMCx0JiZPYmplY3QuYXNzaWduKHRoaXMsdCl9dXBkYXRlQ29udHJvbFBvaW50cyh0LGUpe2NvbnN0IGk9dGhpcy5vcHRpb25zO2lmKChpLnRlbnNpb258fCJtb25vdG9uZSI9PT1pLmN1YmljSW50ZXJwb2xhdGlvbk1vZGUpJiYhaS5zdGVwcGVkJiYhdGhpcy5fcG9pbnRzVXBkYXRlZCl7Y29uc3Qgcz1pLnNwYW5HYXBzP3RoaXMuX2xvb3A6dGhpcy5fZnVsbExvb3A7aGkodGhpcy5fcG9pbnRzLGksdCxzLGUpLHRoaXMuX3BvaW50c1VwZGF0ZWQ9ITB9fXNldCBwb2ludHModCl7dGhpcy5fcG9pbnRzPXQsZGVsZXRlIHRoaXMuX3NlZ21lbnRzLGRlbGV0ZSB0aGlzLl9wYXRoLHRoaXMuX3BvaW50c1VwZGF0ZWQ9ITF9Z2V0IHBvaW50cygpe3JldHVybiB0aGlzLl9wb2ludHN9Z2V0IHNlZ21lbnRzKCl7cmV0dXJuIHRoaXMuX3NlZ21lbnRzfHwodGhpcy5fc2VnbWVudHM9emkodGhpcyx0aGlzLm9wdGlvbnMuc2VnbWVudCkpfWZpcnN0KCl7Y29uc3QgdD10aGlzLnNlZ21lbnRzLGU9dGhpcy5wb2ludHM7cmV0dXJuIHQubGVuZ3RoJiZlW3RbMF0uc3RhcnRdfWxhc3QoKXtjb25zdCB0PXRoaXMuc2VnbWVudHMsZT10aGlzLnBvaW50cyxpPXQubGVuZ3RoO3JldHVybiBpJiZlW3RbaS0xXS5lbmRdfWludGVycG9sYXRlKHQsZSl7Y29uc3QgaT10aGlzLm9wdGlvbnMscz10W2VdLG49dGhpcy5wb2ludHMsbz1JaSh0aGlzLHtwcm9wZXJ0eTplLHN0YXJ0OnMsZW5kOnN9KTtpZighby5sZW5ndGgpcmV0dXJuO2NvbnN0IGE9W10scj1mdW5jdGlvbih0KXtyZXR1cm4gdC5zdGVwcGVkP3BpOnQudGVuc2lvbnx8Im1vbm90b25lIj09PXQuY3ViaWNJbnRlcnBvbGF0aW9uTW9kZT9taTpnaX0oaSk7bGV0IGwsaDtmb3IobD0wLGg9by5sZW5ndGg7bDxoOysrbCl7Y29uc3R7c3RhcnQ6aCxlbmQ6Y309b1tsXSxkPW5baF0sdT1uW2NdO2lmKGQ9PT11KXthLnB1c2goZCk7Y29udGludWV9Y29uc3QgZj1yKGQsdSxNYXRoLmFicygocy1kW2VdKS8odVtlXS1kW2VdKSksaS5zdGVwcGVkKTtmW2VdPXRbZV0sYS5wdXNoKGYpfXJldHVybiAxPT09YS5sZW5ndGg/YVswXTphfXBhdGhTZWdtZW50KHQsZSxpKXtyZXR1cm4gaW8odGhpcykodCx0aGlzLGUsaSl9cGF0aCh0LGUsaSl7Y29uc3Qgcz10aGlzLnNlZ21lbnRzLG49aW8odGhpcyk7bGV0IG89dGhpcy5fbG9vcDtlPWV8fDAsaT1pfHx0aGlzLnBvaW50cy5sZW5ndGgtZTtmb3IoY29uc3QgYSBvZiBzKW8mPW4odCx0aGlzLGEse3N0YXJ0OmUsZW5kOmUraS0xfSk7cmV0dXJuISFvfWRyYXcodCxlLGkscyl7Y29uc3Qgbj10aGlzLm9wdGlvbnN8fHt9Oyh0aGlzLnBvaW50c3x8W10pLmxlbmd0aCYmbi5ib3JkZXJXaWR0aCYmKHQuc2F2ZSgpLG5vKHQsdGhpcyxpLHMpLHQucmVzdG9yZSgpKSx0aGlzLmFuaW1hdGVkJiYodGhpcy5fcG9pbnRzVXBkYXRlZD0hMSx0aGlzLl9wYXRoPXZvaWQgMCl9fWZ1bmN0aW9uIGFvKHQsZSxpLHMpe2NvbnN0IG49dC5vcHRpb25zLHtbaV06b309dC5nZXRQcm9wcyhbaV0scyk7cmV0dXJuIE1hdGguYWJzKGUtbyk8bi5yYWRpdXMrbi5oaXRSYWRpdXN9ZnVuY3Rpb24gcm8odCxlKXtjb25zdHt4OmkseTpzLGJhc2U6bix3aWR0aDpvLGhlaWdodDphfT10LmdldFByb3BzKFsieCIsInkiLCJiYXNlIiwid2lkdGgiLCJoZWlnaHQiXSxlKTtsZXQgcixsLGgsYyxkO3JldHVybiB0Lmhvcml6b250YWw/KGQ9YS8yLHI9TWF0aC5taW4oaSxuKSxsPU1hdGgubWF4KGksbiksaD1zLWQsYz1zK2QpOihkPW8vMixyPWktZCxsPWkrZCxoPU1hdGgubWluKHMsbiksYz1NYXRoLm1heChzLG4pKSx7bGVmdDpyLHRvcDpoLHJpZ2h0OmwsYm90dG9tOmN9fWZ1bmN0aW9uIGxvKHQsZSxpLHMpe3JldHVybiB0PzA6WihlLGkscyl9ZnVuY3Rpb24gaG8odCl7Y29uc3QgZT1ybyh0KSxpPWUucmlnaHQtZS5sZWZ0LHM9ZS5ib3R0b20tZS50b3Asbj1mdW5jdGlvbih0LGUsaSl7Y29uc3Qgcz10Lm9wdGlvbnMuYm9yZGVyV2lkdGgsbj10LmJvcmRlclNraXBwZWQsbz1NaShzKTtyZXR1cm57dDpsbyhuLnRvcCxvLnRvcCwwLGkpLHI6bG8obi5yaWdodCxvLnJpZ2h0LDAsZSksYjpsbyhuLmJvdHRvbSxvLmJvdHRvbSwwLGkpLGw6bG8obi5sZWZ0LG8ubGVmdCwwLGUpfX0odCxpLzIscy8yKSxhPWZ1bmN0aW9uKHQsZSxpKXtjb25zdHtlbmFibGVCb3JkZXJSYWRpdXM6c309dC5nZXRQcm9wcyhbImVuYWJsZUJvcmRlclJhZGl1cyJdKSxuPXQub3B0aW9ucy5ib3JkZXJSYWRpdXMsYT13aShuKSxyPU1hdGgubWluKGUsaSksbD10LmJvcmRlclNraXBwZWQsaD1zfHxvKG4pO3JldHVybnt0b3BMZWZ0OmxvKCFofHxsLnRvcHx8bC5sZWZ0LGEudG9wTGVmdCwwLHIpLHRvcFJpZ2h0OmxvKCFofHxsLnRvcHx8bC5yaWdodCxhLnRvcFJpZ2h0LDAsciksYm90dG9tTGVmdDpsbyghaHx8bC5ib3R0b218fGwubGVmdCxhLmJvdHRvbUxlZnQsMCxyKSxib3R0b21SaWdodDpsbyghaHx8bC5ib3R0b218fGwucmlnaHQsYS5ib3R0b21SaWdodCwwLHIpfX0odCxpLzIscy8yKTtyZXR1cm57b3V0ZXI6e3g6ZS5sZWZ0LHk6ZS50b3AsdzppLGg6cyxyYWRpdXM6YX0saW5uZXI6e3g6ZS5sZWZ0K24ubCx5OmUudG9wK24udCx3Omktbi5sLW4ucixoOnMtbi50LW4uYixyYWRpdXM6e3RvcExlZnQ6TWF0aC5tYXgoMCxhLnRvcExlZnQtTWF0aC5tYXgobi50LG4ubCkpLHRvcFJpZ2h0Ok1hdGgubWF4KDAsYS50b3BSaWdodC1NYXRoLm1heChuLnQsbi5yKSksYm90dG9tTGVmdDpNYXRoLm1heCgwLGEuYm90dG9tTGVmdC1NYXRoLm1heChuLmIsbi5sKSksYm90dG9tUmlnaHQ6TWF0aC5tYXgoMCxhLmJvdHRvbVJpZ2h0LU1hdGgubWF4KG4uYixuLnIpKX19fX1mdW5jdGlvbiBjbyh0LGUsaSxzKXtjb25zdCBuPW51bGw9PT1lLG89bnVsbD09PWksYT10JiYhKG4mJm8pJiZybyh0LHMpO3JldHVybiBhJiYobnx8dHQoZSxhLmxlZnQsYS5yaWdodCkpJiYob3x8dHQoaSxhLnRvcCxhLmJvdHRvbSkpfWZ1bmN0aW9uIHVvKHQsZSl7dC5yZWN0KGUueCxlLnksZS53LGUuaCl9ZnVuY3Rpb24gZm8odCxlLGk9e30pe2NvbnN0IHM9dC54IT09aS54Py1lOjAsbj10LnkhPT1pLnk/LWU6MCxvPSh0LngrdC53IT09aS54K2kudz9lOjApLXMsYT0odC55K3QuaCE9PWkueStpLmg/ZTowKS1uO3JldHVybnt4OnQueCtzLHk6dC55K24sdzp0LncrbyxoOnQuaCthLHJhZGl1czp0LnJhZGl1c319dmFyIGdvPU9iamVjdC5mcmVlemUoe19fcHJvdG9fXzpudWxsLEFyY0VsZW1lbnQ6Y2xhc3MgZXh0ZW5kcyAkc3tzdGF0aWMgaWQ9ImFyYyI7c3RhdGljIGRlZmF1bHRzPXtib3JkZXJBbGlnbjoiY2VudGVyIixib3JkZXJDb2xvcjoiI2ZmZiIsYm9yZGVyRGFzaDpbXSxib3JkZXJEYXNoT2Zmc2V0OjAsYm9yZGVySm9pblN0eWxlOnZvaWQgMCxib3JkZXJSYWRpdXM6MCxib3JkZXJXaWR0aDoyLG9mZnNldDowLHNwYWNpbmc6MCxzcGFjaW5nTW9kZToiYW5ndWxhciIsYW5nbGU6dm9pZCAwLGNpcmN1bGFyOiEwLHNlbGZKb2luOiExfTtzdGF0aWMgZGVmYXVsdFJvdXRlcz17YmFja2dyb3VuZENvbG9yOiJiYWNrZ3JvdW5kQ29sb3IifTtzdGF0aWMgZGVzY3JpcHRvcnM9e19zY3JpcHRhYmxlOiEwLF9pbmRleGFibGU6dD0+ImJvcmRlckRhc2giIT09dH07Y2lyY3VtZmVyZW5jZTtlbmRBbmdsZTtmdWxsQ2lyY2xlcztpbm5lclJhZGl1cztvdXRlclJhZGl1cztwaXhlbE1hcmdpbjtzdGFydEFuZ2xlO2NpcmN1bGFyO2NvbnN0cnVjdG9yKHQpe3N1cGVyKCksdGhpcy5vcHRpb25zPXZvaWQgMCx0aGlzLmNpcmN1bWZlcmVuY2U9dm9pZCAwLHRoaXMuc3RhcnRBbmdsZT12b2lkIDAsdGhpcy5lbmRBbmdsZT12b2lkIDAsdGhpcy5pbm5lclJhZGl1cz12b2lkIDAsdGhpcy5vdXRlclJhZGl1cz12b2lkIDAsdGhpcy5waXhlbE1hcmdpbj0wLHRoaXMuZnVsbENpcmNsZXM9MCx0aGlzLmNpcmN1bGFyPSExLHQmJk9iamVjdC5hc3NpZ24odGhpcyx0KX1pblJhbmdlKHQsZSxpKXtjb25zdCBzPXRoaXMuZ2V0UHJvcHMoWyJ4IiwieSJdLGkpLHthbmdsZTpuLGRpc3RhbmNlOm99PVgocyx7eDp0LHk6ZX0pLHtzdGFydEFuZ2xlOmEsZW5kQW5nbGU6cixpbm5lclJhZGl1czpoLG91dGVyUmFkaXVzOmMsY2lyY3VtZmVyZW5jZTpkfT10aGlzLmdldFByb3BzKFsic3RhcnRBbmdsZSIsImVuZEFuZ2xlIiwiaW5uZXJSYWRpdXMiLCJvdXRlclJhZGl1cyIsImNpcmN1bWZlcmVuY2UiXSxpKSx1PSh0aGlzLm9wdGlvbnMuc3BhY2luZyt0aGlzLm9wdGlvbnMuYm9yZGVyV2lkdGgpLzIsZj1sKGQsci1hKSxnPUoobixhLHIpJiZhIT09cixwPWY+PU98fGcsbT10dChvLGgrdSxjK3UpO3JldHVybiBwJiZtfWdldENlbnRlclBvaW50KHQpe2NvbnN0e3g6ZSx5Omksc3RhcnRBbmdsZTpzLGVuZEFuZ2xlOm4saW5uZXJSYWRpdXM6byxvdXRlclJhZGl1czphfT10aGlzLmdldFByb3BzKFsieCIsInkiLCJzdGFydEFuZ2xlIiwiZW5kQW5nbGUiLCJpbm5lclJhZGl1cyIsIm91dGVyUmFkaXVzIl0sdCkse29mZnNldDpyLHNwYWNpbmc6bH09dGhpcy5vcHRpb25zLGg9KHMrbikvMixjPShvK2ErbCtyKS8yO3JldHVybnt4OmUrTWF0aC5jb3MoaCkqYyx5OmkrTWF0aC5zaW4oaCkqY319dG9vbHRpcFBvc2l0aW9uKHQpe3JldHVybiB0aGlzLmdldENlbnRlclBvaW50KHQpfWRyYXcodCl7Y29uc3R7b3B0aW9uczplLGNpcmN1bWZlcmVuY2U6aX09dGhpcyxzPShlLm9mZnNldHx8MCkvNCxuPShlLnNwYWNpbmd8fDApLzIsbz1lLmNpcmN1bGFyO2lmKHRoaXMucGl4ZWxNYXJnaW49ImlubmVyIj09PWUuYm9yZGVyQWxpZ24/LjMzOjAsdGhpcy5mdWxsQ2lyY2xlcz1pPk8/TWF0aC5mbG9vcihpL08pOjAsMD09PWl8fHRoaXMuaW5uZXJSYWRpdXM8MHx8dGhpcy5vdXRlclJhZGl1czwwKXJldHVybjt0LnNhdmUoKTtjb25zdCBhPSh0aGlzLnN0YXJ0QW5nbGUrdGhpcy5lbmRBbmdsZSkvMjt0LnRyYW5zbGF0ZShNYXRoLmNvcyhhKSpzLE1hdGguc2luKGEpKnMpO2NvbnN0IHI9cyooMS1NYXRoLnNpbihNYXRoLm1pbihDLGl8fDApKSk7dC5maWxsU3R5bGU9ZS5iYWNrZ3JvdW5kQ29sb3IsdC5zdHJva2VTdHlsZT1lLmJvcmRlckNvbG9yLGZ1bmN0aW9uKHQsZSxpLHMsbil7Y29uc3R7ZnVsbENpcmNsZXM6byxzdGFydEFuZ2xlOmEsY2lyY3VtZmVyZW5jZTpyfT1lO2xldCBsPWUuZW5kQW5nbGU7aWYobyl7S24odCxlLGkscyxsLG4pO2ZvcihsZXQgZT0wO2U8bzsrK2UpdC5maWxsKCk7aXNOYU4ocil8fChsPWErKHIlT3x8TykpfUtuKHQsZSxpLHMsbCxuKSx0LmZpbGwoKX0odCx0aGlzLHIsbixvKSxHbih0LHRoaXMscixuLG8pLHQucmVzdG9yZSgpfX0sQmFyRWxlbWVudDpjbGFzcyBleHRlbmRzICRze3N0YXRpYyBpZD0iYmFyIjtzdGF0aWMgZGVmYXVsdHM9e2JvcmRlclNraXBwZWQ6InN0YXJ0Iixib3JkZXJXaWR0aDowLGJvcmRlclJhZGl1czowLGluZmxhdGVBbW91bnQ6ImF1dG8iLHBvaW50U3R5bGU6dm9pZCAwfTtzdGF0aWMgZGVmYXVsdFJvdXRlcz17YmFja2dyb3VuZENvbG9yOiJiYWNrZ3JvdW5kQ29sb3IiLGJvcmRlckNvbG9yOiJib3JkZXJDb2xvciJ9O2NvbnN0cnVjdG9yKHQpe3N1cGVyKCksdGhpcy5vcHRpb25zPXZvaWQgMCx0aGlzLmhvcml6b250YWw9dm9pZCAwLHRoaXMuYmFzZT12b2lkIDAsdGhpcy53aWR0aD12b2lkIDAsdGhpcy5oZWlnaHQ9dm9pZCAwLHRoaXMuaW5mbGF0ZUFtb3VudD12b2lkIDAsdCYmT2JqZWN0LmFzc2lnbih0aGlzLHQpfWRyYXcodCl7Y29uc3R7aW5mbGF0ZUFtb3VudDplLG9wdGlvbnM6e2JvcmRlckNvbG9yOmksYmFja2dyb3VuZENvbG9yOnN9fT10aGlzLHtpbm5lcjpuLG91dGVyOm99PWhvKHRoaXMpLGE9KHI9by5yYWRpdXMpLnRvcExlZnR8fHIudG9wUmlnaHR8fHIuYm90dG9tTGVmdHx8ci5ib3R0b21SaWdodD9IZTp1bzt2YXIgcjt0LnNhdmUoKSxvLnc9PT1uLncmJm8uaD09PW4uaHx8KHQuYmVnaW5QYXRoKCksYSh0LGZvKG8sZSxuKSksdC5jbGlwKCksYSh0LGZvKG4sLWUsbykpLHQuZmlsbFN0eWxlPWksdC5maWxsKCJldmVub2RkIikpLHQuYmVnaW5QYXRoKCksYSh0LGZvKG4sZSkpLHQuZmlsbFN0eWxlPXMsdC5maWxsKCksdC5yZXN0b3JlKCl9aW5SYW5nZSh0LGUsaSl7cmV0dXJuIGNvKHRoaXMsdCxlLGkpfWluWFJhbmdlKHQsZSl7cmV0dXJuIGNvKHRoaXMsdCxudWxsLGUpfWluWVJhbmdlKHQsZSl7cmV0dXJuIGNvKHRoaXMsbnVsbCx0LGUpfWdldENlbnRlclBvaW50KHQpe2NvbnN0e3g6ZSx5OmksYmFzZTpzLGhvcml6b250YWw6bn09dGhpcy5nZXRQcm9wcyhbIngiLCJ5IiwiYmFzZSIsImhvcml6b250YWwiXSx0KTtyZXR1cm57eDpuPyhlK3MpLzI6ZSx5Om4/aTooaStzKS8yfX1nZXRSYW5nZSh0KXtyZXR1cm4ieCI9PT10P3RoaXMud2lkdGgvMjp0aGlzLmhlaWdodC8yfX0sTGluZUVsZW1lbnQ6b28sUG9pbnRFbGVtZW50OmNsYXNzIGV4dGVuZHMgJHN7c3RhdGljIGlkPSJwb2ludCI7cGFyc2VkO3NraXA7c3RvcDtzdGF0aWMgZGVmYXVsdHM9e2JvcmRlcldpZHRoOjEsaGl0UmFkaXVzOjEsaG92ZXJCb3JkZXJXaWR0aDoxLGhvdmVyUmFkaXVzOjQscG9pbnRTdHlsZToiY2lyY2xlIixyYWRpdXM6Myxyb3RhdGlvbjowfTtzdGF0aWMgZGVmYXVsdFJvdXRlcz17YmFja2dyb3VuZENvbG9yOiJiYWNrZ3JvdW5kQ29sb3IiLGJvcmRlckNvbG9yOiJib3JkZXJDb2xvciJ9O2NvbnN0cnVjdG9yKHQpe3N1cGVyKCksdGhpcy5vcHRpb25zPXZvaWQgMCx0aGlzLnBhcnNlZD12b2lkIDAsdGhpcy5za2lwPXZvaWQgMCx0aGlzLnN0b3A9dm9pZCAwLHQmJk9iamVjdC5hc3NpZ24odGhpcyx0KX1pblJhbmdlKHQsZSxpKXtjb25zdCBzPXRoaXMub3B0aW9ucyx7eDpuLHk6b309dGhpcy5nZXRQcm9wcyhbIngiLCJ5Il0saSk7cmV0dXJuIE1hdGgucG93KHQtbiwyKStNYXRoLnBvdyhlLW8sMik8TWF0aC5wb3cocy5oaXRSYWRpdXMrcy5yYWRpdXMsMil9aW5YUmFuZ2UodCxlKXtyZXR1cm4gYW8odGhpcyx0LCJ4IixlKX1pbllSYW5nZSh0LGUpe3JldHVybiBhbyh0aGlzLHQsInkiLGUpfWdldENlbnRlclBvaW50KHQpe2NvbnN0e3g6ZSx5Oml9PXRoaXMuZ2V0UHJvcHMoWyJ4IiwieSJdLHQpO3JldHVybnt4OmUseTppfX1zaXplKHQpe2xldCBlPSh0PXR8fHRoaXMub3B0aW9uc3x8e30pLnJhZGl1c3x8MDtlPU1hdGgubWF4KGUsZSYmdC5ob3ZlclJhZGl1c3x8MCk7cmV0dXJuIDIqKGUrKGUmJnQuYm9yZGVyV2lkdGh8fDApKX1kcmF3KHQsZSl7Y29uc3QgaT10aGlzLm9wdGlvbnM7dGhpcy5za2lwfHxpLnJhZGl1czwuMXx8IVJlKHRoaXMsZSx0aGlzLnNpemUoaSkvMil8fCh0LnN0cm9rZVN0eWxlPWkuYm9yZGVyQ29sb3IsdC5saW5lV2lkdGg9aS5ib3JkZXJXaWR0aCx0LmZpbGxTdHlsZT1pLmJhY2tncm91bmRDb2xvcixMZSh0LGksdGhpcy54LHRoaXMueSkpfWdldFJhbmdlKCl7Y29uc3QgdD10aGlzLm9wdGlvbnN8fHt9O3JldHVybiB0LnJhZGl1cyt0LmhpdFJhZGl1c319fSk7ZnVuY3Rpb24gcG8odCxlLGkscyl7Y29uc3Qgbj10LmluZGV4T2YoZSk7aWYoLTE9PT1uKXJldHVybigodCxlLGkscyk9Pigic3RyaW5nIj09dHlwZW9mIGU/KGk9dC5wdXNoKGUpLTEscy51bnNoaWZ0KHtpbmRleDppLGxhYmVsOmV9KSk6aXNOYU4oZSkmJihpPW51bGwpLGkpKSh0LGUsaSxzKTtyZXR1cm4gbiE9PXQubGFzdEluZGV4T2YoZSk/aTpufWZ1bmN0aW9uIG1vKHQpe2NvbnN0IGU9dGhpcy5nZXRMYWJlbHMoKTtyZXR1cm4gdD49MCYmdDxlLmxlbmd0aD9lW3RdOnR9ZnVuY3Rpb24geG8odCxlLHtob3Jpem9udGFsOmksbWluUm90YXRpb246c30pe2NvbnN0IG49JChzKSxvPShpP01hdGguc2luKG4pOk1hdGguY29zKG4pKXx8LjAwMSxhPS43NSplKigiIit0KS5sZW5ndGg7cmV0dXJuIE1hdGgubWluKGUvbyxhKX1jbGFzcyBibyBleHRlbmRzIHRue2NvbnN0cnVjdG9yKHQpe3N1cGVyKHQpLHRoaXMuc3RhcnQ9dm9pZCAwLHRoaXMuZW5kPXZvaWQgMCx0aGlzLl9zdGFydFZhbHVlPXZvaWQgMCx0aGlzLl9lbmRWYWx1ZT12b2lkIDAsdGhpcy5fdmFsdWVSYW5nZT0wfXBhcnNlKHQsZSl7cmV0dXJuIHModCl8fCgibnVtYmVyIj09dHlwZW9mIHR8fHQgaW5zdGFuY2VvZiBOdW1iZXIpJiYhaXNGaW5pdGUoK3QpP251bGw6K3R9aGFuZGxlVGlja1JhbmdlT3B0aW9ucygpe2NvbnN0e2JlZ2luQXRaZXJvOnR9PXRoaXMub3B0aW9ucyx7bWluRGVmaW5lZDplLG1heERlZmluZWQ6aX09dGhpcy5nZXRVc2VyQm91bmRzKCk7bGV0e21pbjpzLG1heDpufT10aGlzO2NvbnN0IG89dD0+cz1lP3M6dCxhPXQ9Pm49aT9uOnQ7aWYodCl7Y29uc3QgdD1GKHMpLGU9RihuKTt0PDAmJmU8MD9hKDApOnQ+MCYmZT4wJiZvKDApfWlmKHM9PT1uKXtsZXQgZT0wPT09bj8xOk1hdGguYWJzKC4wNSpuKTthKG4rZSksdHx8byhzLWUpfXRoaXMubWluPXMsdGhpcy5tYXg9bn1nZXRUaWNrTGltaXQoKXtjb25zdCB0PXRoaXMub3B0aW9ucy50aWNrcztsZXQgZSx7bWF4VGlja3NMaW1pdDppLHN0ZXBTaXplOnN9PXQ7cmV0dXJuIHM/KGU9TWF0aC5jZWlsKHRoaXMubWF4L3MpLU1hdGguZmxvb3IodGhpcy5taW4vcykrMSxlPjFlMyYmKGNvbnNvbGUud2Fybihgc2NhbGVzLiR7dGhpcy5pZH0udGlja3Muc3RlcFNpemU6ICR7c30gd291bGQgcmVzdWx0IGdlbmVyYXRpbmcgdXAgdG8gJHtlfSB0aWNrcy4gTGltaXRpbmcgdG8gMTAwMC5gKSxlPTFlMykpOihlPXRoaXMuY29tcHV0ZVRpY2tMaW1pdCgpLGk9aXx8MTEpLGkmJihlPU1hdGgubWluKGksZSkpLGV9Y29tcHV0ZVRpY2tMaW1pdCgpe3JldHVybiBOdW1iZXIuUE9TSVRJVkVfSU5GSU5JVFl9YnVpbGRUaWNrcygpe2NvbnN0IHQ9dGhpcy5vcHRpb25zLGU9dC50aWNrcztsZXQgaT10aGlzLmdldFRpY2tMaW1pdCgpO2k9TWF0aC5tYXgoMixpKTtjb25zdCBuPWZ1bmN0aW9uKHQsZSl7Y29uc3QgaT1bXSx7Ym91bmRzOm4sc3RlcDpvLG1pbjphLG1heDpyLHByZWNpc2lvbjpsLGNvdW50OmgsbWF4VGlja3M6YyxtYXhEaWdpdHM6ZCxpbmNsdWRlQm91bmRzOnV9PXQsZj1vfHwxLGc9Yy0xLHttaW46cCxtYXg6bX09ZSx4PSFzKGEpLGI9IXMociksXz0hcyhoKSx5PShtLXApLyhkKzEpO2xldCB2LE0sdyxrLFM9QigobS1wKS9nL2YpKmY7aWYoUzwxZS0xNCYmIXgmJiFiKXJldHVyblt7dmFsdWU6cH0se3ZhbHVlOm19XTtrPU1hdGguY2VpbChtL1MpLU1hdGguZmxvb3IocC9TKSxrPmcmJihTPUIoaypTL2cvZikqZikscyhsKXx8KHY9TWF0aC5wb3coMTAsbCksUz1NYXRoLmNlaWwoUyp2KS92KSwidGlja3MiPT09bj8oTT1NYXRoLmZsb29yKHAvUykqUyx3PU1hdGguY2VpbChtL1MpKlMpOihNPXAsdz1tKSx4JiZiJiZvJiZIKChyLWEpL28sUy8xZTMpPyhrPU1hdGgucm91bmQoTWF0aC5taW4oKHItYSkvUyxjKSksUz0oci1hKS9rLE09YSx3PXIpOl8/KE09eD9hOk0sdz1iP3I6dyxrPWgtMSxTPSh3LU0pL2spOihrPSh3LU0pL1Msaz1WKGssTWF0aC5yb3VuZChrKSxTLzFlMyk/TWF0aC5yb3VuZChrKTpNYXRoLmNlaWwoaykpO2NvbnN0IFA9TWF0aC5tYXgoVShTKSxVKE0pKTt2PU1hdGgucG93KDEwLHMobCk/UDpsKSxNPU1hdGgucm91bmQoTSp2KS92LHc9TWF0aC5yb3VuZCh3KnYpL3Y7bGV0IEQ9MDtmb3IoeCYmKHUmJk0hPT1hPyhpLnB1c2goe3ZhbHVlOmF9KSxNPGEmJkQrKyxWKE1hdGgucm91bmQoKE0rRCpTKSp2KS92LGEseG8oYSx5LHQpKSYmRCsrKTpNPGEmJkQrKyk7RDxrOysrRCl7Y29uc3QgdD1NYXRoLnJvdW5kKChNK0QqUykqdikvdjtpZihiJiZ0PnIpYnJlYWs7aS5wdXNoKHt2YWx1ZTp0fSl9cmV0dXJuIGImJnUmJnchPT1yP2kubGVuZ3RoJiZWKGlbaS5sZW5ndGgtMV0udmFsdWUscix4byhyLHksdCkpP2lbaS5sZW5ndGgtMV0udmFsdWU9cjppLnB1c2goe3ZhbHVlOnJ9KTpiJiZ3IT09cnx8aS5wdXNoKHt2YWx1ZTp3fSksaX0oe21heFRpY2tzOmksYm91bmRzOnQuYm91bmRzLG1pbjp0Lm1pbixtYXg6dC5tYXgscHJlY2lzaW9uOmUucHJlY2lzaW9uLHN0ZXA6ZS5zdGVwU2l6ZSxjb3VudDplLmNvdW50LG1heERpZ2l0czp0aGlzLl9tYXhEaWdpdHMoKSxob3Jpem9udGFsOnRoaXMuaXNIb3Jpem9udGFsKCksbWluUm90YXRpb246ZS5taW5Sb3RhdGlvbnx8MCxpbmNsdWRlQm91bmRzOiExIT09ZS5pbmNsdWRlQm91bmRzfSx0aGlzLl9yYW5nZXx8dGhpcyk7cmV0dXJuInRpY2tzIj09PXQuYm91bmRzJiZqKG4sdGhpcywidmFsdWUiKSx0LnJldmVyc2U/KG4ucmV2ZXJzZSgpLHRoaXMuc3RhcnQ9dGhpcy5tYXgsdGhpcy5lbmQ9dGhpcy5taW4pOih0aGlzLnN0YXJ0PXRoaXMubWluLHRoaXMuZW5kPXRoaXMubWF4KSxufWNvbmZpZ3VyZSgpe2NvbnN0IHQ9dGhpcy50aWNrcztsZXQgZT10aGlzLm1pbixpPXRoaXMubWF4O2lmKHN1cGVyLmNvbmZpZ3VyZSgpLHRoaXMub3B0aW9ucy5vZmZzZXQmJnQubGVuZ3RoKXtjb25zdCBzPShpLWUpL01hdGgubWF4KHQubGVuZ3RoLTEsMSkvMjtlLT1zLGkrPXN9dGhpcy5fc3RhcnRWYWx1ZT1lLHRoaXMuX2VuZFZhbHVlPWksdGhpcy5fdmFsdWVSYW5nZT1pLWV9Z2V0TGFiZWxGb3JWYWx1ZSh0KXtyZXR1cm4gbmUodCx0aGlzLmNoYXJ0Lm9wdGlvbnMubG9jYWxlLHRoaXMub3B0aW9ucy50aWNrcy5mb3JtYXQpfX1jbGFzcyBfbyBleHRlbmRzIGJve3N0YXRpYyBpZD0ibGluZWFyIjtzdGF0aWMgZGVmYXVsdHM9e3RpY2tzOntjYWxsYmFjazphZS5mb3JtYXR0ZXJzLm51bWVyaWN9fTtkZXRlcm1pbmVEYXRhTGltaXRzKCl7Y29uc3R7bWluOnQsbWF4OmV9PXRoaXMuZ2V0TWluTWF4KCEwKTt0aGlzLm1pbj1hKHQpP3Q6MCx0aGlzLm1heD1hKGUpP2U6MSx0aGlzLmhhbmRsZVRpY2tSYW5nZU9wdGlvbnMoKX1jb21wdXRlVGlja0xpbWl0KCl7Y29uc3QgdD10aGlzLmlzSG9yaXpvbnRhbCgpLGU9dD90aGlzLndpZHRoOnRoaXMuaGVpZ2h0LGk9JCh0aGlzLm9wdGlvbnMudGlja3MubWluUm90YXRpb24pLHM9KHQ/TWF0aC5zaW4oaSk6TWF0aC5jb3MoaSkpfHwuMDAxLG49dGhpcy5fcmVzb2x2ZVRpY2tGb250T3B0aW9ucygwKTtyZXR1cm4gTWF0aC5jZWlsKGUvTWF0aC5taW4oNDAsbi5saW5lSGVpZ2h0L3MpKX1nZXRQaXhlbEZvclZhbHVlKHQpe3JldHVybiBudWxsPT09dD9OYU46dGhpcy5nZXRQaXhlbEZvckRlY2ltYWwoKHQtdGhpcy5fc3RhcnRWYWx1ZSkvdGhpcy5fdmFsdWVSYW5nZSl9Z2V0VmFsdWVGb3JQaXhlbCh0KXtyZXR1cm4gdGhpcy5fc3RhcnRWYWx1ZSt0aGlzLmdldERlY2ltYWxGb3JQaXhlbCh0KSp0aGlzLl92YWx1ZVJhbmdlfX1jb25zdCB5bz10PT5NYXRoLmZsb29yKHoodCkpLHZvPSh0LGUpPT5NYXRoLnBvdygxMCx5byh0KStlKTtmdW5jdGlvbiBNbyh0KXtyZXR1cm4gMT09PXQvTWF0aC5wb3coMTAseW8odCkpfWZ1bmN0aW9uIHdvKHQsZSxpKXtjb25zdCBzPU1hdGgucG93KDEwLGkpLG49TWF0aC5mbG9vcih0L3MpO3JldHVybiBNYXRoLmNlaWwoZS9zKS1ufWZ1bmN0aW9uIGtvKHQse21pbjplLG1heDppfSl7ZT1yKHQubWluLGUpO2NvbnN0IHM9W10sbj15byhlKTtsZXQgbz1mdW5jdGlvbih0LGUpe2xldCBpPXlvKGUtdCk7Zm9yKDt3byh0LGUsaSk+MTA7KWkrKztmb3IoO3dvKHQsZSxpKTwxMDspaS0tO3JldHVybiBNYXRoLm1pbihpLHlvKHQpKX0oZSxpKSxhPW88MD9NYXRoLnBvdygxMCxNYXRoLmFicyhvKSk6MTtjb25zdCBsPU1hdGgucG93KDEwLG8pLGg9bj5vP01hdGgucG93KDEwLG4pOjAsYz1NYXRoLnJvdW5kKChlLWgpKmEpL2EsZD1NYXRoLmZsb29yKChlLWgpL2wvMTApKmwqMTA7bGV0IHU9TWF0aC5mbG9vcigoYy1kKS9NYXRoLnBvdygxMCxvKSksZj1yKHQubWluLE1hdGgucm91bmQoKGgrZCt1Kk1hdGgucG93KDEwLG8pKSphKS9hKTtmb3IoO2Y8aTspcy5wdXNoKHt2YWx1ZTpmLG1ham9yOk1vKGYpLHNpZ25pZmljYW5kOnV9KSx1Pj0xMD91PXU8MTU/MTU6MjA6dSsrLHU+PTIwJiYobysrLHU9MixhPW8+PTA/MTphKSxmPU1hdGgucm91bmQoKGgrZCt1Kk1hdGgucG93KDEwLG8pKSphKS9hO2NvbnN0IGc9cih0Lm1heCxmKTtyZXR1cm4gcy5wdXNoKHt2YWx1ZTpnLG1ham9yOk1vKGcpLHNpZ25pZmljYW5kOnV9KSxzfWNsYXNzIFNvIGV4dGVuZHMgdG57c3RhdGljIGlkPSJsb2dhcml0aG1pYyI7c3RhdGljIGRlZmF1bHRzPXt0aWNrczp7Y2FsbGJhY2s6YWUuZm9ybWF0dGVycy5sb2dhcml0aG1pYyxtYWpvcjp7ZW5hYmxlZDohMH19fTtjb25zdHJ1Y3Rvcih0KXtzdXBlcih0KSx0aGlzLnN0YXJ0PXZvaWQgMCx0aGlzLmVuZD12b2lkIDAsdGhpcy5fc3RhcnRWYWx1ZT12b2lkIDAsdGhpcy5fdmFsdWVSYW5nZT0wfXBhcnNlKHQsZSl7Y29uc3QgaT1iby5wcm90b3R5cGUucGFyc2UuYXBwbHkodGhpcyxbdCxlXSk7aWYoMCE9PWkpcmV0dXJuIGEoaSkmJmk+MD9pOm51bGw7dGhpcy5femVybz0hMH1kZXRlcm1pbmVEYXRhTGltaXRzKCl7Y29uc3R7bWluOnQsbWF4OmV9PXRoaXMuZ2V0TWluTWF4KCEwKTt0aGlzLm1pbj1hKHQpP01hdGgubWF4KDAsdCk6bnVsbCx0aGlzLm1heD1hKGUpP01hdGgubWF4KDAsZSk6bnVsbCx0aGlzLm9wdGlvbnMuYmVnaW5BdFplcm8mJih0aGlzLl96ZXJvPSEwKSx0aGlzLl96ZXJvJiZ0aGlzLm1pbiE9PXRoaXMuX3N1Z2dlc3RlZE1pbiYmIWEodGhpcy5fdXNlck1pbikmJih0aGlzLm1pbj10PT09dm8odGhpcy5taW4sMCk/dm8odGhpcy5taW4sLTEpOnZvKHRoaXMubWluLDApKSx0aGlzLmhhbmRsZVRpY2tSYW5nZU9wdGlvbnMoKX1oYW5kbGVUaWNrUmFuZ2VPcHRpb25zKCl7Y29uc3R7bWluRGVmaW5lZDp0LG1heERlZmluZWQ6ZX09dGhpcy5nZXRVc2VyQm91bmRzKCk7bGV0IGk9dGhpcy5taW4scz10aGlzLm1heDtjb25zdCBuPWU9Pmk9dD9pOmUsbz10PT5zPWU/czp0O2k9PT1zJiYoaTw9MD8obigxKSxvKDEwKSk6KG4odm8oaSwtMSkpLG8odm8ocywxKSkpKSxpPD0wJiZuKHZvKHMsLTEpKSxzPD0wJiZvKHZvKGksMSkpLHRoaXMubWluPWksdGhpcy5tYXg9c31idWlsZFRpY2tzKCl7Y29uc3QgdD10aGlzLm9wdGlvbnMsZT1rbyh7bWluOnRoaXMuX3VzZXJNaW4sbWF4OnRoaXMuX3VzZXJNYXh9LHRoaXMpO3JldHVybiJ0aWNrcyI9PT10LmJvdW5kcyYmaihlLHRoaXMsInZhbHVlIiksdC5yZXZlcnNlPyhlLnJldmVyc2UoKSx0aGlzLnN0YXJ0PXRoaXMubWF4LHRoaXMuZW5kPXRoaXMubWluKToodGhpcy5zdGFydD10aGlzLm1pbix0aGlzLmVuZD10aGlzLm1heCksZX1nZXRMYWJlbEZvclZhbHVlKHQpe3JldHVybiB2b2lkIDA9PT10PyIwIjpuZSh0LHRoaXMuY2hhcnQub3B0aW9ucy5sb2NhbGUsdGhpcy5vcHRpb25zLnRpY2tzLmZvcm1hdCl9Y29uZmlndXJlKCl7Y29uc3QgdD10aGlzLm1pbjtzdXBlci5jb25maWd1cmUoKSx0aGlzLl9zdGFydFZhbHVlPXoodCksdGhpcy5fdmFsdWVSYW5nZT16KHRoaXMubWF4KS16KHQpfWdldFBpeGVsRm9yVmFsdWUodCl7cmV0dXJuIHZvaWQgMCE9PXQmJjAhPT10fHwodD10aGlzLm1pbiksbnVsbD09PXR8fGlzTmFOKHQpP05hTjp0aGlzLmdldFBpeGVsRm9yRGVjaW1hbCh0PT09dGhpcy5taW4/MDooeih0KS10aGlzLl9zdGFydFZhbHVlKS90aGlzLl92YWx1ZVJhbmdlKX1nZXRWYWx1ZUZvclBpeGVsKHQpe2NvbnN0IGU9dGhpcy5nZXREZWNpbWFsRm9yUGl4ZWwodCk7cmV0dXJuIE1hdGgucG93KDEwLHRoaXMuX3N0YXJ0VmFsdWUrZSp0aGlzLl92YWx1ZVJhbmdlKX19ZnVuY3Rpb24gUG8odCl7Y29uc3QgZT10LnRpY2tzO2lmKGUuZGlzcGxheSYmdC5kaXNwbGF5KXtjb25zdCB0PWtpKGUuYmFja2Ryb3BQYWRkaW5nKTtyZXR1cm4gbChlLmZvbnQmJmUuZm9udC5zaXplLHVlLmZvbnQuc2l6ZSkrdC5oZWlnaHR9cmV0dXJuIDB9ZnVuY3Rpb24gRG8odCxlLGkscyxuKXtyZXR1cm4gdD09PXN8fHQ9PT1uP3tzdGFydDplLWkvMixlbmQ6ZStpLzJ9OnQ8c3x8dD5uP3tzdGFydDplLWksZW5kOmV9OntzdGFydDplLGVuZDplK2l9fWZ1bmN0aW9uIENvKHQpe2NvbnN0IGU9e2w6dC5sZWZ0K3QuX3BhZGRpbmcubGVmdCxyOnQucmlnaHQtdC5fcGFkZGluZy5yaWdodCx0OnQudG9wK3QuX3BhZGRpbmcudG9wLGI6dC5ib3R0b20tdC5fcGFkZGluZy5ib3R0b219LGk9T2JqZWN0LmFzc2lnbih7fSxlKSxzPVtdLG89W10sYT10Ll9wb2ludExhYmVscy5sZW5ndGgscj10Lm9wdGlvbnMucG9pbnRMYWJlbHMsbD1yLmNlbnRlclBvaW50TGFiZWxzP0MvYTowO2ZvcihsZXQgdT0wO3U8YTt1Kyspe2NvbnN0IGE9ci5zZXRDb250ZXh0KHQuZ2V0UG9pbnRMYWJlbENvbnRleHQodSkpO29bdV09YS5wYWRkaW5nO2NvbnN0IGY9dC5nZXRQb2ludFBvc2l0aW9uKHUsdC5kcmF3aW5nQXJlYStvW3VdLGwpLGc9U2koYS5mb250KSxwPShoPXQuY3R4LGM9ZyxkPW4oZD10Ll9wb2ludExhYmVsc1t1XSk/ZDpbZF0se3c6T2UoaCxjLnN0cmluZyxkKSxoOmQubGVuZ3RoKmMubGluZUhlaWdodH0pO3NbdV09cDtjb25zdCBtPUcodC5nZXRJbmRleEFuZ2xlKHUpK2wpLHg9TWF0aC5yb3VuZChZKG0pKTtPbyhpLGUsbSxEbyh4LGYueCxwLncsMCwxODApLERvKHgsZi55LHAuaCw5MCwyNzApKX12YXIgaCxjLGQ7dC5zZXRDZW50ZXJQb2ludChlLmwtaS5sLGkuci1lLnIsZS50LWkudCxpLmItZS5iKSx0Ll9wb2ludExhYmVsSXRlbXM9ZnVuY3Rpb24odCxlLGkpe2NvbnN0IHM9W10sbj10Ll9wb2ludExhYmVscy5sZW5ndGgsbz10Lm9wdGlvbnMse2NlbnRlclBvaW50TGFiZWxzOmEsZGlzcGxheTpyfT1vLnBvaW50TGFiZWxzLGw9e2V4dHJhOlBvKG8pLzIsYWRkaXRpb25hbEFuZ2xlOmE/Qy9uOjB9O2xldCBoO2ZvcihsZXQgbz0wO288bjtvKyspe2wucGFkZGluZz1pW29dLGwuc2l6ZT1lW29dO2NvbnN0IG49QW8odCxvLGwpO3MucHVzaChuKSwiYXV0byI9PT1yJiYobi52aXNpYmxlPVRvKG4saCksbi52aXNpYmxlJiYoaD1uKSl9cmV0dXJuIHN9KHQscyxvKX1mdW5jdGlvbiBPbyh0LGUsaSxzLG4pe2NvbnN0IG89TWF0aC5hYnMoTWF0aC5zaW4oaSkpLGE9TWF0aC5hYnMoTWF0aC5jb3MoaSkpO2xldCByPTAsbD0wO3Muc3RhcnQ8ZS5sPyhyPShlLmwtcy5zdGFydCkvbyx0Lmw9TWF0aC5taW4odC5sLGUubC1yKSk6cy5lbmQ+ZS5yJiYocj0ocy5lbmQtZS5yKS9vLHQucj1NYXRoLm1heCh0LnIsZS5yK3IpKSxuLnN0YXJ0PGUudD8obD0oZS50LW4uc3RhcnQpL2EsdC50PU1hdGgubWluKHQudCxlLnQtbCkpOm4uZW5kPmUuYiYmKGw9KG4uZW5kLWUuYikvYSx0LmI9TWF0aC5tYXgodC5iLGUuYitsKSl9ZnVuY3Rpb24gQW8odCxlLGkpe2NvbnN0IHM9dC5kcmF3aW5nQXJlYSx7ZXh0cmE6bixhZGRpdGlvbmFsQW5nbGU6byxwYWRkaW5nOmEsc2l6ZTpyfT1pLGw9dC5nZXRQb2ludFBvc2l0aW9uKGUscytuK2EsbyksaD1NYXRoLnJvdW5kKFkoRyhsLmFuZ2xlK0UpKSksYz1mdW5jdGlvbih0LGUsaSl7OTA9PT1pfHwyNzA9PT1pP3QtPWUvMjooaT4yNzB8fGk8OTApJiYodC09ZSk7cmV0dXJuIHR9KGwueSxyLmgsaCksZD1mdW5jdGlvbih0KXtpZigwPT09dHx8MTgwPT09dClyZXR1cm4iY2VudGVyIjtpZih0PDE4MClyZXR1cm4ibGVmdCI7cmV0dXJuInJpZ2h0In0oaCksdT1mdW5jdGlvbih0LGUsaSl7InJpZ2h0Ij09PWk/dC09ZToiY2VudGVyIj09PWkmJih0LT1lLzIpO3JldHVybiB0fShsLngsci53LGQpO3JldHVybnt2aXNpYmxlOiEwLHg6bC54LHk6Yyx0ZXh0QWxpZ246ZCxsZWZ0OnUsdG9wOmMscmlnaHQ6dStyLncsYm90dG9tOmMrci5ofX1mdW5jdGlvbiBUbyh0LGUpe2lmKCFlKXJldHVybiEwO2NvbnN0e2xlZnQ6aSx0b3A6cyxyaWdodDpuLGJvdHRvbTpvfT10O3JldHVybiEoUmUoe3g6aSx5OnN9LGUpfHxSZSh7eDppLHk6b30sZSl8fFJlKHt4Om4seTpzfSxlKXx8UmUoe3g6bix5Om99LGUpKX1mdW5jdGlvbiBMbyh0LGUsaSl7Y29uc3R7bGVmdDpuLHRvcDpvLHJpZ2h0OmEsYm90dG9tOnJ9PWkse2JhY2tkcm9wQ29sb3I6bH09ZTtpZighcyhsKSl7Y29uc3QgaT13aShlLmJvcmRlclJhZGl1cykscz1raShlLmJhY2tkcm9wUGFkZGluZyk7dC5maWxsU3R5bGU9bDtjb25zdCBoPW4tcy5sZWZ0LGM9by1zLnRvcCxkPWEtbitzLndpZHRoLHU9ci1vK3MuaGVpZ2h0O09iamVjdC52YWx1ZXMoaSkuc29tZSgodD0+MCE9PXQpKT8odC5iZWdpblBhdGgoKSxIZSh0LHt4OmgseTpjLHc6ZCxoOnUscmFkaXVzOml9KSx0LmZpbGwoKSk6dC5maWxsUmVjdChoLGMsZCx1KX19ZnVuY3Rpb24gRW8odCxlLGkscyl7Y29uc3R7Y3R4Om59PXQ7aWYoaSluLmFyYyh0LnhDZW50ZXIsdC55Q2VudGVyLGUsMCxPKTtlbHNle2xldCBpPXQuZ2V0UG9pbnRQb3NpdGlvbigwLGUpO24ubW92ZVRvKGkueCxpLnkpO2ZvcihsZXQgbz0xO288cztvKyspaT10LmdldFBvaW50UG9zaXRpb24obyxlKSxuLmxpbmVUbyhpLngsaS55KX19Y2xhc3MgUm8gZXh0ZW5kcyBib3tzdGF0aWMgaWQ9InJhZGlhbExpbmVhciI7c3RhdGljIGRlZmF1bHRzPXtkaXNwbGF5OiEwLGFuaW1hdGU6ITAscG9zaXRpb246ImNoYXJ0QXJlYSIsYW5nbGVMaW5lczp7ZGlzcGxheTohMCxsaW5lV2lkdGg6MSxib3JkZXJEYXNoOltdLGJvcmRlckRhc2hPZmZzZXQ6MH0sZ3JpZDp7Y2lyY3VsYXI6ITF9LHN0YXJ0QW5nbGU6MCx0aWNrczp7c2hvd0xhYmVsQmFja2Ryb3A6ITAsY2FsbGJhY2s6YWUuZm9ybWF0dGVycy5udW1lcmljfSxwb2ludExhYmVsczp7YmFja2Ryb3BDb2xvcjp2b2lkIDAsYmFja2Ryb3BQYWRkaW5nOjIsZGlzcGxheTohMCxmb250OntzaXplOjEwfSxjYWxsYmFjazp0PT50LHBhZGRpbmc6NSxjZW50ZXJQb2ludExhYmVsczohMX19O3N0YXRpYyBkZWZhdWx0Um91dGVzPXsiYW5nbGVMaW5lcy5jb2xvciI6ImJvcmRlckNvbG9yIiwicG9pbnRMYWJlbHMuY29sb3IiOiJjb2xvciIsInRpY2tzLmNvbG9yIjoiY29sb3IifTtzdGF0aWMgZGVzY3JpcHRvcnM9e2FuZ2xlTGluZXM6e19mYWxsYmFjazoiZ3JpZCJ9fTtjb25zdHJ1Y3Rvcih0KXtzdXBlcih0KSx0aGlzLnhDZW50ZXI9dm9pZCAwLHRoaXMueUNlbnRlcj12b2lkIDAsdGhpcy5kcmF3aW5nQXJlYT12b2lkIDAsdGhpcy5fcG9pbnRMYWJlbHM9W10sdGhpcy5fcG9pbnRMYWJlbEl0ZW1zPVtdfXNldERpbWVuc2lvbnMoKXtjb25zdCB0PXRoaXMuX3BhZGRpbmc9a2koUG8odGhpcy5vcHRpb25zKS8yKSxlPXRoaXMud2lkdGg9dGhpcy5tYXhXaWR0aC10LndpZHRoLGk9dGhpcy5oZWlnaHQ9dGhpcy5tYXhIZWlnaHQtdC5oZWlnaHQ7dGhpcy54Q2VudGVyPU1hdGguZmxvb3IodGhpcy5sZWZ0K2UvMit0LmxlZnQpLHRoaXMueUNlbnRlcj1NYXRoLmZsb29yKHRoaXMudG9wK2kvMit0LnRvcCksdGhpcy5kcmF3aW5nQXJlYT1NYXRoLmZsb29yKE1hdGgubWluKGUsaSkvMil9ZGV0ZXJtaW5lRGF0YUxpbWl0cygpe2NvbnN0e21pbjp0LG1heDplfT10aGlzLmdldE1pbk1heCghMSk7dGhpcy5taW49YSh0KSYmIWlzTmFOKHQpP3Q6MCx0aGlzLm1heD1hKGUpJiYhaXNOYU4oZSk/ZTowLHRoaXMuaGFuZGxlVGlja1JhbmdlT3B0aW9ucygpfWNvbXB1dGVUaWNrTGltaXQoKXtyZXR1cm4gTWF0aC5jZWlsKHRoaXMuZHJhd2luZ0FyZWEvUG8odGhpcy5vcHRpb25zKSl9Z2VuZXJhdGVUaWNrTGFiZWxzKHQpe2JvLnByb3RvdHlwZS5nZW5lcmF0ZVRpY2tMYWJlbHMuY2FsbCh0aGlzLHQpLHRoaXMuX3BvaW50TGFiZWxzPXRoaXMuZ2V0TGFiZWxzKCkubWFwKCgodCxlKT0+e2NvbnN0IGk9ZCh0aGlzLm9wdGlvbnMucG9pbnRMYWJlbHMuY2FsbGJhY2ssW3QsZV0sdGhpcyk7cmV0dXJuIGl8fDA9PT1pP2k6IiJ9KSkuZmlsdGVyKCgodCxlKT0+dGhpcy5jaGFydC5nZXREYXRhVmlzaWJpbGl0eShlKSkpfWZpdCgpe2NvbnN0IHQ9dGhpcy5vcHRpb25zO3QuZGlzcGxheSYmdC5wb2ludExhYmVscy5kaXNwbGF5P0NvKHRoaXMpOnRoaXMuc2V0Q2VudGVyUG9pbnQoMCwwLDAsMCl9c2V0Q2VudGVyUG9pbnQodCxlLGkscyl7dGhpcy54Q2VudGVyKz1NYXRoLmZsb29yKCh0LWUpLzIpLHRoaXMueUNlbnRlcis9TWF0aC5mbG9vcigoaS1zKS8yKSx0aGlzLmRyYXdpbmdBcmVhLT1NYXRoLm1pbih0aGlzLmRyYXdpbmdBcmVhLzIsTWF0aC5tYXgodCxlLGkscykpfWdldEluZGV4QW5nbGUodCl7cmV0dXJuIEcodCooTy8odGhpcy5fcG9pbnRMYWJlbHMubGVuZ3RofHwxKSkrJCh0aGlzLm9wdGlvbnMuc3RhcnRBbmdsZXx8MCkpfWdldERpc3RhbmNlRnJvbUNlbnRlckZvclZhbHVlKHQpe2lmKHModCkpcmV0dXJuIE5hTjtjb25zdCBlPXRoaXMuZHJhd2luZ0FyZWEvKHRoaXMubWF4LXRoaXMubWluKTtyZXR1cm4gdGhpcy5vcHRpb25zLnJldmVyc2U/KHRoaXMubWF4LXQpKmU6KHQtdGhpcy5taW4pKmV9Z2V0VmFsdWVGb3JEaXN0YW5jZUZyb21DZW50ZXIodCl7aWYocyh0KSlyZXR1cm4gTmFOO2NvbnN0IGU9dC8odGhpcy5kcmF3aW5nQXJlYS8odGhpcy5tYXgtdGhpcy5taW4pKTtyZXR1cm4gdGhpcy5vcHRpb25zLnJldmVyc2U/dGhpcy5tYXgtZTp0aGlzLm1pbitlfWdldFBvaW50TGFiZWxDb250ZXh0KHQpe2NvbnN0IGU9dGhpcy5fcG9pbnRMYWJlbHN8fFtdO2lmKHQ+PTAmJnQ8ZS5sZW5ndGgpe2NvbnN0IGk9ZVt0XTtyZXR1cm4gZnVuY3Rpb24odCxlLGkpe3JldHVybiBDaSh0LHtsYWJlbDppLGluZGV4OmUsdHlwZToicG9pbnRMYWJlbCJ9KX0odGhpcy5nZXRDb250ZXh0KCksdCxpKX19Z2V0UG9pbnRQb3NpdGlvbih0LGUsaT0wKXtjb25zdCBzPXRoaXMuZ2V0SW5kZXhBbmdsZSh0KS1FK2k7cmV0dXJue3g6TWF0aC5jb3MocykqZSt0aGlzLnhDZW50ZXIseTpNYXRoLnNpbihzKSplK3RoaXMueUNlbnRlcixhbmdsZTpzfX1nZXRQb2ludFBvc2l0aW9uRm9yVmFsdWUodCxlKXtyZXR1cm4gdGhpcy5nZXRQb2ludFBvc2l0aW9uKHQsdGhpcy5nZXREaXN0YW5jZUZyb21DZW50ZXJGb3JWYWx1ZShlKSl9Z2V0QmFzZVBvc2l0aW9uKHQpe3JldHVybiB0aGlzLmdldFBvaW50UG9zaXRpb25Gb3JWYWx1ZSh0fHwwLHRoaXMuZ2V0QmFzZVZhbHVlKCkpfWdldFBvaW50TGFiZWxQb3NpdGlvbih0KXtjb25zdHtsZWZ0OmUsdG9wOmkscmlnaHQ6cyxib3R0b206bn09dGhpcy5fcG9pbnRMYWJlbEl0ZW1zW3RdO3JldHVybntsZWZ0OmUsdG9wOmkscmlnaHQ6cyxib3R0b206bn19ZHJhd0JhY2tncm91bmQoKXtjb25zdHtiYWNrZ3JvdW5kQ29sb3I6dCxncmlkOntjaXJjdWxhcjplfX09dGhpcy5vcHRpb25zO2lmKHQpe2NvbnN0IGk9dGhpcy5jdHg7aS5zYXZlKCksaS5iZWdpblBhdGgoKSxFbyh0aGlzLHRoaXMuZ2V0RGlzdGFuY2VGcm9tQ2VudGVyRm9yVmFsdWUodGhpcy5fZW5kVmFsdWUpLGUsdGhpcy5fcG9pbnRMYWJlbHMubGVuZ3RoKSxpLmNsb3NlUGF0aCgpLGkuZmlsbFN0eWxlPXQsaS5maWxsKCksaS5yZXN0b3JlKCl9fWRyYXdHcmlkKCl7Y29uc3QgdD10aGlzLmN0eCxlPXRoaXMub3B0aW9ucyx7YW5nbGVMaW5lczppLGdyaWQ6cyxib3JkZXI6bn09ZSxvPXRoaXMuX3BvaW50TGFiZWxzLmxlbmd0aDtsZXQgYSxyLGw7aWYoZS5wb2ludExhYmVscy5kaXNwbGF5JiZmdW5jdGlvbih0LGUpe2NvbnN0e2N0eDppLG9wdGlvbnM6e3BvaW50TGFiZWxzOnN9fT10O2ZvcihsZXQgbj1lLTE7bj49MDtuLS0pe2NvbnN0IGU9dC5fcG9pbnRMYWJlbEl0ZW1zW25dO2lmKCFlLnZpc2libGUpY29udGludWU7Y29uc3Qgbz1zLnNldENvbnRleHQodC5nZXRQb2ludExhYmVsQ29udGV4dChuKSk7TG8oaSxvLGUpO2NvbnN0IGE9U2koby5mb250KSx7eDpyLHk6bCx0ZXh0QWxpZ246aH09ZTtXZShpLHQuX3BvaW50TGFiZWxzW25dLHIsbCthLmxpbmVIZWlnaHQvMixhLHtjb2xvcjpvLmNvbG9yLHRleHRBbGlnbjpoLHRleHRCYXNlbGluZToibWlkZGxlIn0pfX0odGhpcyxvKSxzLmRpc3BsYXkmJnRoaXMudGlja3MuZm9yRWFjaCgoKHQsZSk9PntpZigwIT09ZXx8MD09PWUmJnRoaXMubWluPDApe3I9dGhpcy5nZXREaXN0YW5jZUZyb21DZW50ZXJGb3JWYWx1ZSh0LnZhbHVlKTtjb25zdCBpPXRoaXMuZ2V0Q29udGV4dChlKSxhPXMuc2V0Q29udGV4dChpKSxsPW4uc2V0Q29udGV4dChpKTshZnVuY3Rpb24odCxlLGkscyxuKXtjb25zdCBvPXQuY3R4LGE9ZS5jaXJjdWxhcix7Y29sb3I6cixsaW5lV2lkdGg6bH09ZTshYSYmIXN8fCFyfHwhbHx8aTwwfHwoby5zYXZlKCksby5zdHJva2VTdHlsZT1yLG8ubGluZVdpZHRoPWwsby5zZXRMaW5lRGFzaChuLmRhc2h8fFtdKSxvLmxpbmVEYXNoT2Zmc2V0PW4uZGFzaE9mZnNldCxvLmJlZ2luUGF0aCgpLEVvKHQsaSxhLHMpLG8uY2xvc2VQYXRoKCksby5zdHJva2UoKSxvLnJlc3RvcmUoKSl9KHRoaXMsYSxyLG8sbCl9fSkpLGkuZGlzcGxheSl7Zm9yKHQuc2F2ZSgpLGE9by0xO2E+PTA7YS0tKXtjb25zdCBzPWkuc2V0Q29udGV4dCh0aGlzLmdldFBvaW50TGFiZWxDb250ZXh0KGEpKSx7Y29sb3I6bixsaW5lV2lkdGg6b309cztvJiZuJiYodC5saW5lV2lkdGg9byx0LnN0cm9rZVN0eWxlPW4sdC5zZXRMaW5lRGFzaChzLmJvcmRlckRhc2gpLHQubGluZURhc2hPZmZzZXQ9cy5ib3JkZXJEYXNoT2Zmc2V0LHI9dGhpcy5nZXREaXN0YW5jZUZyb21DZW50ZXJGb3JWYWx1ZShlLnJldmVyc2U/dGhpcy5taW46dGhpcy5tYXgpLGw9dGhpcy5nZXRQb2ludFBvc2l0aW9uKGEsciksdC5iZWdpblBhdGgoKSx0Lm1vdmVUbyh0aGlzLnhDZW50ZXIsdGhpcy55Q2VudGVyKSx0LmxpbmVUbyhsLngsbC55KSx0LnN0cm9rZSgpKX10LnJlc3RvcmUoKX19ZHJhd0JvcmRlcigpe31kcmF3TGFiZWxzKCl7Y29uc3QgdD10aGlzLmN0eCxlPXRoaXMub3B0aW9ucyxpPWUudGlja3M7aWYoIWkuZGlzcGxheSlyZXR1cm47Y29uc3Qgcz10aGlzLmdldEluZGV4QW5nbGUoMCk7bGV0IG4sbzt0LnNhdmUoKSx0LnRyYW5zbGF0ZSh0aGlzLnhDZW50ZXIsdGhpcy55Q2VudGVyKSx0LnJvdGF0ZShzKSx0LnRleHRBbGlnbj0iY2VudGVyIix0LnRleHRCYXNlbGluZT0ibWlkZGxlIix0aGlzLnRpY2tzLmZvckVhY2goKChzLGEpPT57aWYoMD09PWEmJnRoaXMubWluPj0wJiYhZS5yZXZlcnNlKXJldHVybjtjb25zdCByPWkuc2V0Q29udGV4dCh0aGlzLmdldENvbnRleHQoYSkpLGw9U2koci5mb250KTtpZihuPXRoaXMuZ2V0RGlzdGFuY2VGcm9tQ2VudGVyRm9yVmFsdWUodGhpcy50aWNrc1thXS52YWx1ZSksci5zaG93TGFiZWxCYWNrZHJvcCl7dC5mb250PWwuc3RyaW5nLG89dC5tZWFzdXJlVGV4dChzLmxhYmVsKS53aWR0aCx0LmZpbGxTdHlsZT1yLmJhY2tkcm9wQ29sb3I7Y29uc3QgZT1raShyLmJhY2tkcm9wUGFkZGluZyk7dC5maWxsUmVjdCgtby8yLWUubGVmdCwtbi1sLnNpemUvMi1lLnRvcCxvK2Uud2lkdGgsbC5zaXplK2UuaGVpZ2h0KX1XZSh0LHMubGFiZWwsMCwtbixsLHtjb2xvcjpyLmNvbG9yLHN0cm9rZUNvbG9yOnIudGV4dFN0cm9rZUNvbG9yLHN0cm9rZVdpZHRoOnIudGV4dFN0cm9rZVdpZHRofSl9KSksdC5yZXN0b3JlKCl9ZHJhd1RpdGxlKCl7fX1jb25zdCBJbz17bWlsbGlzZWNvbmQ6e2NvbW1vbjohMCxzaXplOjEsc3RlcHM6MWUzfSxzZWNvbmQ6e2NvbW1vbjohMCxzaXplOjFlMyxzdGVwczo2MH0sbWludXRlOntjb21tb246ITAsc2l6ZTo2ZTQsc3RlcHM6NjB9LGhvdXI6e2NvbW1vbjohMCxzaXplOjM2ZTUsc3RlcHM6MjR9LGRheTp7Y29tbW9uOiEwLHNpemU6ODY0ZTUsc3RlcHM6MzB9LHdlZWs6e2NvbW1vbjohMSxzaXplOjYwNDhlNSxzdGVwczo0fSxtb250aDp7Y29tbW9uOiEwLHNpemU6MjYyOGU2LHN0ZXBzOjEyfSxxdWFydGVyOntjb21tb246ITEsc2l6ZTo3ODg0ZTYsc3RlcHM6NH0seWVhcjp7Y29tbW9uOiEwLHNpemU6MzE1NGU3fX0sem89T2JqZWN0LmtleXMoSW8pO2Z1bmN0aW9uIEZvKHQsZSl7cmV0dXJuIHQtZX1mdW5jdGlvbiBWbyh0LGUpe2lmKHMoZSkpcmV0dXJuIG51bGw7Y29uc3QgaT10Ll9hZGFwdGVyLHtwYXJzZXI6bixyb3VuZDpvLGlzb1dlZWtkYXk6cn09dC5fcGFyc2VPcHRzO2xldCBsPWU7cmV0dXJuImZ1bmN0aW9uIj09dHlwZW9mIG4mJihsPW4obCkpLGEobCl8fChsPSJzdHJpbmciPT10eXBlb2Ygbj9pLnBhcnNlKGwsbik6aS5wYXJzZShsKSksbnVsbD09PWw/bnVsbDoobyYmKGw9IndlZWsiIT09b3x8IVcocikmJiEwIT09cj9pLnN0YXJ0T2YobCxvKTppLnN0YXJ0T2YobCwiaXNvV2VlayIscikpLCtsKX1mdW5jdGlvbiBCbyh0LGUsaSxzKXtjb25zdCBuPXpvLmxlbmd0aDtmb3IobGV0IG89em8uaW5kZXhPZih0KTtvPG4tMTsrK28pe2NvbnN0IHQ9SW9bem9bb11dLG49dC5zdGVwcz90LnN0ZXBzOk51bWJlci5NQVhfU0FGRV9JTlRFR0VSO2lmKHQuY29tbW9uJiZNYXRoLmNlaWwoKGktZSkvKG4qdC5zaXplKSk8PXMpcmV0dXJuIHpvW29dfXJldHVybiB6b1tuLTFdfWZ1bmN0aW9uIE5vKHQsZSxpKXtpZihpKXtpZihpLmxlbmd0aCl7Y29uc3R7bG86cyxoaTpufT1ldChpLGUpO3RbaVtzXT49ZT9pW3NdOmlbbl1dPSEwfX1lbHNlIHRbZV09ITB9ZnVuY3Rpb24gV28odCxlLGkpe2NvbnN0IHM9W10sbj17fSxvPWUubGVuZ3RoO2xldCBhLHI7Zm9yKGE9MDthPG87KythKXI9ZVthXSxuW3JdPWEscy5wdXNoKHt2YWx1ZTpyLG1ham9yOiExfSk7cmV0dXJuIDAhPT1vJiZpP2Z1bmN0aW9uKHQsZSxpLHMpe2NvbnN0IG49dC5fYWRhcHRlcixvPStuLnN0YXJ0T2YoZVswXS52YWx1ZSxzKSxhPWVbZS5sZW5ndGgtMV0udmFsdWU7bGV0IHIsbDtmb3Iocj1vO3I8PWE7cj0rbi5hZGQociwxLHMpKWw9aVtyXSxsPj0wJiYoZVtsXS5tYWpvcj0hMCk7cmV0dXJuIGV9KHQscyxuLGkpOnN9Y2xhc3MgSG8gZXh0ZW5kcyB0bntzdGF0aWMgaWQ9InRpbWUiO3N0YXRpYyBkZWZhdWx0cz17Ym91bmRzOiJkYXRhIixhZGFwdGVyczp7fSx0aW1lOntwYXJzZXI6ITEsdW5pdDohMSxyb3VuZDohMSxpc29XZWVrZGF5OiExLG1pblVuaXQ6Im1pbGxpc2Vjb25kIixkaXNwbGF5Rm9ybWF0czp7fX0sdGlja3M6e3NvdXJjZToiYXV0byIsY2FsbGJhY2s6ITEsbWFqb3I6e2VuYWJsZWQ6ITF9fX07Y29uc3RydWN0b3IodCl7c3VwZXIodCksdGhpcy5fY2FjaGU9e2RhdGE6W10sbGFiZWxzOltdLGFsbDpbXX0sdGhpcy5fdW5pdD0iZGF5Iix0aGlzLl9tYWpvclVuaXQ9dm9pZCAwLHRoaXMuX29mZnNldHM9e30sdGhpcy5fbm9ybWFsaXplZD0hMSx0aGlzLl9wYXJzZU9wdHM9dm9pZCAwfWluaXQodCxlPXt9KXtjb25zdCBpPXQudGltZXx8KHQudGltZT17fSkscz10aGlzLl9hZGFwdGVyPW5ldyBJbi5fZGF0ZSh0LmFkYXB0ZXJzLmRhdGUpO3MuaW5pdChlKSxiKGkuZGlzcGxheUZvcm1hdHMscy5mb3JtYXRzKCkpLHRoaXMuX3BhcnNlT3B0cz17cGFyc2VyOmkucGFyc2VyLHJvdW5kOmkucm91bmQsaXNvV2Vla2RheTppLmlzb1dlZWtkYXl9LHN1cGVyLmluaXQodCksdGhpcy5fbm9ybWFsaXplZD1lLm5vcm1hbGl6ZWR9cGFyc2UodCxlKXtyZXR1cm4gdm9pZCAwPT09dD9udWxsOlZvKHRoaXMsdCl9YmVmb3JlTGF5b3V0KCl7c3VwZXIuYmVmb3JlTGF5b3V0KCksdGhpcy5fY2FjaGU9e2RhdGE6W10sbGFiZWxzOltdLGFsbDpbXX19ZGV0ZXJtaW5lRGF0YUxpbWl0cygpe2NvbnN0IHQ9dGhpcy5vcHRpb25zLGU9dGhpcy5fYWRhcHRlcixpPXQudGltZS51bml0fHwiZGF5IjtsZXR7bWluOnMsbWF4Om4sbWluRGVmaW5lZDpvLG1heERlZmluZWQ6cn09dGhpcy5nZXRVc2VyQm91bmRzKCk7ZnVuY3Rpb24gbCh0KXtvfHxpc05hTih0Lm1pbil8fChzPU1hdGgubWluKHMsdC5taW4pKSxyfHxpc05hTih0Lm1heCl8fChuPU1hdGgubWF4KG4sdC5tYXgpKX1vJiZyfHwobCh0aGlzLl9nZXRMYWJlbEJvdW5kcygpKSwidGlja3MiPT09dC5ib3VuZHMmJiJsYWJlbHMiPT09dC50aWNrcy5zb3VyY2V8fGwodGhpcy5nZXRNaW5NYXgoITEpKSkscz1hKHMpJiYhaXNOYU4ocyk/czorZS5zdGFydE9mKERhdGUubm93KCksaSksbj1hKG4pJiYhaXNOYU4obik/bjorZS5lbmRPZihEYXRlLm5vdygpLGkpKzEsdGhpcy5taW49TWF0aC5taW4ocyxuLTEpLHRoaXMubWF4PU1hdGgubWF4KHMrMSxuKX1fZ2V0TGFiZWxCb3VuZHMoKXtjb25zdCB0PXRoaXMuZ2V0TGFiZWxUaW1lc3RhbXBzKCk7bGV0IGU9TnVtYmVyLlBPU0lUSVZFX0lORklOSVRZLGk9TnVtYmVyLk5FR0FUSVZFX0lORklOSVRZO3JldHVybiB0Lmxlbmd0aCYmKGU9dFswXSxpPXRbdC5sZW5ndGgtMV0pLHttaW46ZSxtYXg6aX19YnVpbGRUaWNrcygpe2NvbnN0IHQ9dGhpcy5vcHRpb25zLGU9dC50aW1lLGk9dC50aWNrcyxzPSJsYWJlbHMiPT09aS5zb3VyY2U/dGhpcy5nZXRMYWJlbFRpbWVzdGFtcHMoKTp0aGlzLl9nZW5lcmF0ZSgpOyJ0aWNrcyI9PT10LmJvdW5kcyYmcy5sZW5ndGgmJih0aGlzLm1pbj10aGlzLl91c2VyTWlufHxzWzBdLHRoaXMubWF4PXRoaXMuX3VzZXJNYXh8fHNbcy5sZW5ndGgtMV0pO2NvbnN0IG49dGhpcy5taW4sbz1udChzLG4sdGhpcy5tYXgpO3JldHVybiB0aGlzLl91bml0PWUudW5pdHx8KGkuYXV0b1NraXA/Qm8oZS5taW5Vbml0LHRoaXMubWluLHRoaXMubWF4LHRoaXMuX2dldExhYmVsQ2FwYWNpdHkobikpOmZ1bmN0aW9uKHQsZSxpLHMsbil7Zm9yKGxldCBvPXpvLmxlbmd0aC0xO28+PXpvLmluZGV4T2YoaSk7by0tKXtjb25zdCBpPXpvW29dO2lmKElvW2ldLmNvbW1vbiYmdC5fYWRhcHRlci5kaWZmKG4scyxpKT49ZS0xKXJldHVybiBpfXJldHVybiB6b1tpP3pvLmluZGV4T2YoaSk6MF19KHRoaXMsby5sZW5ndGgsZS5taW5Vbml0LHRoaXMubWluLHRoaXMubWF4KSksdGhpcy5fbWFqb3JVbml0PWkubWFqb3IuZW5hYmxlZCYmInllYXIiIT09dGhpcy5fdW5pdD9mdW5jdGlvbih0KXtmb3IobGV0IGU9em8uaW5kZXhPZih0KSsxLGk9em8ubGVuZ3RoO2U8aTsrK2UpaWYoSW9bem9bZV1dLmNvbW1vbilyZXR1cm4gem9bZV19KHRoaXMuX3VuaXQpOnZvaWQgMCx0aGlzLmluaXRPZmZzZXRzKHMpLHQucmV2ZXJzZSYmby5yZXZlcnNlKCksV28odGhpcyxvLHRoaXMuX21ham9yVW5pdCl9YWZ0ZXJBdXRvU2tpcCgpe3RoaXMub3B0aW9ucy5vZmZzZXRBZnRlckF1dG9za2lwJiZ0aGlzLmluaXRPZmZzZXRzKHRoaXMudGlja3MubWFwKCh0PT4rdC52YWx1ZSkpKX1pbml0T2Zmc2V0cyh0PVtdKXtsZXQgZSxpLHM9MCxuPTA7dGhpcy5vcHRpb25zLm9mZnNldCYmdC5sZW5ndGgmJihlPXRoaXMuZ2V0RGVjaW1hbEZvclZhbHVlKHRbMF0pLHM9MT09PXQubGVuZ3RoPzEtZToodGhpcy5nZXREZWNpbWFsRm9yVmFsdWUodFsxXSktZSkvMixpPXRoaXMuZ2V0RGVjaW1hbEZvclZhbHVlKHRbdC5sZW5ndGgtMV0pLG49MT09PXQubGVuZ3RoP2k6KGktdGhpcy5nZXREZWNpbWFsRm9yVmFsdWUodFt0Lmxlbmd0aC0yXSkpLzIpO2NvbnN0IG89dC5sZW5ndGg8Mz8uNTouMjU7cz1aKHMsMCxvKSxuPVoobiwwLG8pLHRoaXMuX29mZnNldHM9e3N0YXJ0OnMsZW5kOm4sZmFjdG9yOjEvKHMrMStuKX19X2dlbmVyYXRlKCl7Y29uc3QgdD10aGlzLl9hZGFwdGVyLGU9dGhpcy5taW4saT10aGlzLm1heCxzPXRoaXMub3B0aW9ucyxuPXMudGltZSxvPW4udW5pdHx8Qm8obi5taW5Vbml0LGUsaSx0aGlzLl9nZXRMYWJlbENhcGFjaXR5KGUpKSxhPWwocy50aWNrcy5zdGVwU2l6ZSwxKSxyPSJ3ZWVrIj09PW8mJm4uaXNvV2Vla2RheSxoPVcocil8fCEwPT09cixjPXt9O2xldCBkLHUsZj1lO2lmKGgmJihmPSt0LnN0YXJ0T2YoZiwiaXNvV2VlayIscikpLGY9K3Quc3RhcnRPZihmLGg/ImRheSI6byksdC5kaWZmKGksZSxvKT4xZTUqYSl0aHJvdyBuZXcgRXJyb3IoZSsiIGFuZCAiK2krIiBhcmUgdG9vIGZhciBhcGFydCB3aXRoIHN0ZXBTaXplIG9mICIrYSsiICIrbyk7Y29uc3QgZz0iZGF0YSI9PT1zLnRpY2tzLnNvdXJjZSYmdGhpcy5nZXREYXRhVGltZXN0YW1wcygpO2ZvcihkPWYsdT0wO2Q8aTtkPSt0LmFkZChkLGEsbyksdSsrKU5vKGMsZCxnKTtyZXR1cm4gZCE9PWkmJiJ0aWNrcyIhPT1zLmJvdW5kcyYmMSE9PXV8fE5vKGMsZCxnKSxPYmplY3Qua2V5cyhjKS5zb3J0KEZvKS5tYXAoKHQ9Pit0KSl9Z2V0TGFiZWxGb3JWYWx1ZSh0KXtjb25zdCBlPXRoaXMuX2FkYXB0ZXIsaT10aGlzLm9wdGlvbnMudGltZTtyZXR1cm4gaS50b29sdGlwRm9ybWF0P2UuZm9ybWF0KHQsaS50b29sdGlwRm9ybWF0KTplLmZvcm1hdCh0LGkuZGlzcGxheUZvcm1hdHMuZGF0ZXRpbWUpfWZvcm1hdCh0LGUpe2NvbnN0IGk9dGhpcy5vcHRpb25zLnRpbWUuZGlzcGxheUZvcm1hdHMscz10aGlzLl91bml0LG49ZXx8aVtzXTtyZXR1cm4gdGhpcy5fYWRhcHRlci5mb3JtYXQodCxuKX1fdGlja0Zvcm1hdEZ1bmN0aW9uKHQsZSxpLHMpe2NvbnN0IG49dGhpcy5vcHRpb25zLG89bi50aWNrcy5jYWxsYmFjaztpZihvKXJldHVybiBkKG8sW3QsZSxpXSx0aGlzKTtjb25zdCBhPW4udGltZS5kaXNwbGF5Rm9ybWF0cyxyPXRoaXMuX3VuaXQsbD10aGlzLl9tYWpvclVuaXQsaD1yJiZhW3JdLGM9bCYmYVtsXSx1PWlbZV0sZj1sJiZjJiZ1JiZ1Lm1ham9yO3JldHVybiB0aGlzLl9hZGFwdGVyLmZvcm1hdCh0LHN8fChmP2M6aCkpfWdlbmVyYXRlVGlja0xhYmVscyh0KXtsZXQgZSxpLHM7Zm9yKGU9MCxpPXQubGVuZ3RoO2U8aTsrK2Upcz10W2VdLHMubGFiZWw9dGhpcy5fdGlja0Zvcm1hdEZ1bmN0aW9uKHMudmFsdWUsZSx0KX1nZXREZWNpbWFsRm9yVmFsdWUodCl7cmV0dXJuIG51bGw9PT10P05hTjoodC10aGlzLm1pbikvKHRoaXMubWF4LXRoaXMubWluKX1nZXRQaXhlbEZvclZhbHVlKHQpe2NvbnN0IGU9dGhpcy5fb2Zmc2V0cyxpPXRoaXMuZ2V0RGVjaW1hbEZvclZhbHVlKHQpO3JldHVybiB0aGlzLmdldFBpeGVsRm9yRGVjaW1hbCgoZS5zdGFydCtpKSplLmZhY3Rvcil9Z2V0VmFsdWVGb3JQaXhlbCh0KXtjb25zdCBlPXRoaXMuX29mZnNldHMsaT10aGlzLmdldERlY2ltYWxGb3JQaXhlbCh0KS9lLmZhY3Rvci1lLmVuZDtyZXR1cm4gdGhpcy5taW4raSoodGhpcy5tYXgtdGhpcy5taW4pfV9nZXRMYWJlbFNpemUodCl7Y29uc3QgZT10aGlzLm9wdGlvbnMudGlja3MsaT10aGlzLmN0eC5tZWFzdXJlVGV4dCh0KS53aWR0aCxzPSQodGhpcy5pc0hvcml6b250YWwoKT9lLm1heFJvdGF0aW9uOmUubWluUm90YXRpb24pLG49TWF0aC5jb3Mocyksbz1NYXRoLnNpbihzKSxhPXRoaXMuX3Jlc29sdmVUaWNrRm9udE9wdGlvbnMoMCkuc2l6ZTtyZXR1cm57dzppKm4rYSpvLGg6aSpvK2Eqbn19X2dldExhYmVsQ2FwYWNpdHkodCl7Y29uc3QgZT10aGlzLm9wdGlvbnMudGltZSxpPWUuZGlzcGxheUZvcm1hdHMscz1pW2UudW5pdF18fGkubWlsbGlzZWNvbmQsbj10aGlzLl90aWNrRm9ybWF0RnVuY3Rpb24odCwwLFdvKHRoaXMsW3RdLHRoaXMuX21ham9yVW5pdCkscyksbz10aGlzLl9nZXRMYWJlbFNpemUobiksYT1NYXRoLmZsb29yKHRoaXMuaXNIb3Jpem9udGFsKCk/dGhpcy53aWR0aC9vLnc6dGhpcy5oZWlnaHQvby5oKS0xO3JldHVybiBhPjA/YToxfWdldERhdGFUaW1lc3RhbXBzKCl7bGV0IHQsZSxpPXRoaXMuX2NhY2hlLmRhdGF8fFtdO2lmKGkubGVuZ3RoKXJldHVybiBpO2NvbnN0IHM9dGhpcy5nZXRNYXRjaGluZ1Zpc2libGVNZXRhcygpO2lmKHRoaXMuX25vcm1hbGl6ZWQmJnMubGVuZ3RoKXJldHVybiB0aGlzLl9jYWNoZS5kYXRhPXNbMF0uY29udHJvbGxlci5nZXRBbGxQYXJzZWRWYWx1ZXModGhpcyk7Zm9yKHQ9MCxlPXMubGVuZ3RoO3Q8ZTsrK3QpaT1pLmNvbmNhdChzW3RdLmNvbnRyb2xsZXIuZ2V0QWxsUGFyc2VkVmFsdWVzKHRoaXMpKTtyZXR1cm4gdGhpcy5fY2FjaGUuZGF0YT10aGlzLm5vcm1hbGl6ZShpKX1nZXRMYWJlbFRpbWVzdGFtcHMoKXtjb25zdCB0PXRoaXMuX2NhY2hlLmxhYmVsc3x8W107bGV0IGUsaTtpZih0Lmxlbmd0aClyZXR1cm4gdDtjb25zdCBzPXRoaXMuZ2V0TGFiZWxzKCk7Zm9yKGU9MCxpPXMubGVuZ3RoO2U8aTsrK2UpdC5wdXNoKFZvKHRoaXMsc1tlXSkpO3JldHVybiB0aGlzLl9jYWNoZS5sYWJlbHM9dGhpcy5fbm9ybWFsaXplZD90OnRoaXMubm9ybWFsaXplKHQpfW5vcm1hbGl6ZSh0KXtyZXR1cm4gbHQodC5zb3J0KEZvKSl9fWZ1bmN0aW9uIGpvKHQsZSxpKXtsZXQgcyxuLG8sYSxyPTAsbD10Lmxlbmd0aC0xO2k/KGU+PXRbcl0ucG9zJiZlPD10W2xdLnBvcyYmKHtsbzpyLGhpOmx9PWl0KHQsInBvcyIsZSkpLCh7cG9zOnMsdGltZTpvfT10W3JdKSwoe3BvczpuLHRpbWU6YX09dFtsXSkpOihlPj10W3JdLnRpbWUmJmU8PXRbbF0udGltZSYmKHtsbzpyLGhpOmx9PWl0KHQsInRpbWUiLGUpKSwoe3RpbWU6cyxwb3M6b309dFtyXSksKHt0aW1lOm4scG9zOmF9PXRbbF0pKTtjb25zdCBoPW4tcztyZXR1cm4gaD9vKyhhLW8pKihlLXMpL2g6b312YXIgJG89T2JqZWN0LmZyZWV6ZSh7X19wcm90b19fOm51bGwsQ2F0ZWdvcnlTY2FsZTpjbGFzcyBleHRlbmRzIHRue3N0YXRpYyBpZD0iY2F0ZWdvcnkiO3N0YXRpYyBkZWZhdWx0cz17dGlja3M6e2NhbGxiYWNrOm1vfX07Y29uc3RydWN0b3IodCl7c3VwZXIodCksdGhpcy5fc3RhcnRWYWx1ZT12b2lkIDAsdGhpcy5fdmFsdWVSYW5nZT0wLHRoaXMuX2FkZGVkTGFiZWxzPVtdfWluaXQodCl7Y29uc3QgZT10aGlzLl9hZGRlZExhYmVscztpZihlLmxlbmd0aCl7Y29uc3QgdD10aGlzLmdldExhYmVscygpO2Zvcihjb25zdHtpbmRleDppLGxhYmVsOnN9b2YgZSl0W2ldPT09cyYmdC5zcGxpY2UoaSwxKTt0aGlzLl9hZGRlZExhYmVscz1bXX1zdXBlci5pbml0KHQpfXBhcnNlKHQsZSl7aWYocyh0KSlyZXR1cm4gbnVsbDtjb25zdCBpPXRoaXMuZ2V0TGFiZWxzKCk7cmV0dXJuKCh0LGUpPT5udWxsPT09dD9udWxsOlooTWF0aC5yb3VuZCh0KSwwLGUpKShlPWlzRmluaXRlKGUpJiZpW2VdPT09dD9lOnBvKGksdCxsKGUsdCksdGhpcy5fYWRkZWRMYWJlbHMpLGkubGVuZ3RoLTEpfWRldGVybWluZURhdGFMaW1pdHMoKXtjb25zdHttaW5EZWZpbmVkOnQsbWF4RGVmaW5lZDplfT10aGlzLmdldFVzZXJCb3VuZHMoKTtsZXR7bWluOmksbWF4OnN9PXRoaXMuZ2V0TWluTWF4KCEwKTsidGlja3MiPT09dGhpcy5vcHRpb25zLmJvdW5kcyYmKHR8fChpPTApLGV8fChzPXRoaXMuZ2V0TGFiZWxzKCkubGVuZ3RoLTEpKSx0aGlzLm1pbj1pLHRoaXMubWF4PXN9YnVpbGRUaWNrcygpe2NvbnN0IHQ9dGhpcy5taW4sZT10aGlzLm1heCxpPXRoaXMub3B0aW9ucy5vZmZzZXQscz1bXTtsZXQgbj10aGlzLmdldExhYmVscygpO249MD09PXQmJmU9PT1uLmxlbmd0aC0xP246bi5zbGljZSh0LGUrMSksdGhpcy5fdmFsdWVSYW5nZT1NYXRoLm1heChuLmxlbmd0aC0oaT8wOjEpLDEpLHRoaXMuX3N0YXJ0VmFsdWU9dGhpcy5taW4tKGk/LjU6MCk7Zm9yKGxldCBpPXQ7aTw9ZTtpKyspcy5wdXNoKHt2YWx1ZTppfSk7cmV0dXJuIHN9Z2V0TGFiZWxGb3JWYWx1ZSh0KXtyZXR1cm4gbW8uY2FsbCh0aGlzLHQpfWNvbmZpZ3VyZSgpe3N1cGVyLmNvbmZpZ3VyZSgpLHRoaXMuaXNIb3Jpem9udGFsKCl8fCh0aGlzLl9yZXZlcnNlUGl4ZWxzPSF0aGlzLl9yZXZlcnNlUGl4ZWxzKX1nZXRQaXhlbEZvclZhbHVlKHQpe3JldHVybiJudW1iZXIiIT10eXBlb2YgdCYmKHQ9dGhpcy5wYXJzZSh0KSksbnVsbD09PXQ/TmFOOnRoaXMuZ2V0UGl4ZWxGb3JEZWNpbWFsKCh0LXRoaXMuX3N0YXJ0VmFsdWUpL3RoaXMuX3ZhbHVlUmFuZ2UpfWdldFBpeGVsRm9yVGljayh0KXtjb25zdCBlPXRoaXMudGlja3M7cmV0dXJuIHQ8MHx8dD5lLmxlbmd0aC0xP251bGw6dGhpcy5nZXRQaXhlbEZvclZhbHVlKGVbdF0udmFsdWUpfWdldFZhbHVlRm9yUGl4ZWwodCl7cmV0dXJuIE1hdGgucm91bmQodGhpcy5fc3RhcnRWYWx1ZSt0aGlzLmdldERlY2ltYWxGb3JQaXhlbCh0KSp0aGlzLl92YWx1ZVJhbmdlKX1nZXRCYXNlUGl4ZWwoKXtyZXR1cm4gdGhpcy5ib3R0b219fSxMaW5lYXJTY2FsZTpfbyxMb2dhcml0aG1pY1NjYWxlOlNvLFJhZGlhbExpbmVhclNjYWxlOlJvLFRpbWVTY2FsZTpIbyxUaW1lU2VyaWVzU2NhbGU6Y2xhc3MgZXh0ZW5kcyBIb3tzdGF0aWMgaWQ9InRpbWVzZXJpZXMiO3N0YXRpYyBkZWZhdWx0cz1Iby5kZWZhdWx0cztjb25zdHJ1Y3Rvcih0KXtzdXBlcih0KSx0aGlzLl90YWJsZT1bXSx0aGlzLl9taW5Qb3M9dm9pZCAwLHRoaXMuX3RhYmxlUmFuZ2U9dm9pZCAwfWluaXRPZmZzZXRzKCl7Y29uc3QgdD10aGlzLl9nZXRUaW1lc3RhbXBzRm9yVGFibGUoKSxlPXRoaXMuX3RhYmxlPXRoaXMuYnVpbGRMb29rdXBUYWJsZSh0KTt0aGlzLl9taW5Qb3M9am8oZSx0aGlzLm1pbiksdGhpcy5fdGFibGVSYW5nZT1qbyhlLHRoaXMubWF4KS10aGlzLl9taW5Qb3Msc3VwZXIuaW5pdE9mZnNldHModCl9YnVpbGRMb29rdXBUYWJsZSh0KXtjb25zdHttaW46ZSxtYXg6aX09dGhpcyxzPVtdLG49W107bGV0IG8sYSxyLGwsaDtmb3Iobz0wLGE9dC5sZW5ndGg7bzxhOysrbylsPXRbb10sbD49ZSYmbDw9aSYmcy5wdXNoKGwpO2lmKHMubGVuZ3RoPDIpcmV0dXJuW3t0aW1lOmUscG9zOjB9LHt0aW1lOmkscG9zOjF9XTtmb3Iobz0wLGE9cy5sZW5ndGg7bzxhOysrbyloPXNbbysxXSxyPXNbby0xXSxsPXNbb10sTWF0aC5yb3VuZCgoaCtyKS8yKSE9PWwmJm4ucHVzaCh7dGltZTpsLHBvczpvLyhhLTEpfSk7cmV0dXJuIG59X2dlbmVyYXRlKCl7Y29uc3QgdD10aGlzLm1pbixlPXRoaXMubWF4O2xldCBpPXN1cGVyLmdldERhdGFUaW1lc3RhbXBzKCk7cmV0dXJuIGkuaW5jbHVkZXModCkmJmkubGVuZ3RofHxpLnNwbGljZSgwLDAsdCksaS5pbmNsdWRlcyhlKSYmMSE9PWkubGVuZ3RofHxpLnB1c2goZSksaS5zb3J0KCgodCxlKT0+dC1lKSl9X2dldFRpbWVzdGFtcHNGb3JUYWJsZSgpe2xldCB0PXRoaXMuX2NhY2hlLmFsbHx8W107aWYodC5sZW5ndGgpcmV0dXJuIHQ7Y29uc3QgZT10aGlzLmdldERhdGFUaW1lc3RhbXBzKCksaT10aGlzLmdldExhYmVsVGltZXN0YW1wcygpO3JldHVybiB0PWUubGVuZ3RoJiZpLmxlbmd0aD90aGlzLm5vcm1hbGl6ZShlLmNvbmNhdChpKSk6ZS5sZW5ndGg/ZTppLHQ9dGhpcy5fY2FjaGUuYWxsPXQsdH1nZXREZWNpbWFsRm9yVmFsdWUodCl7cmV0dXJuKGpvKHRoaXMuX3RhYmxlLHQpLXRoaXMuX21pblBvcykvdGhpcy5fdGFibGVSYW5nZX1nZXRWYWx1ZUZvclBpeGVsKHQpe2NvbnN0IGU9dGhpcy5fb2Zmc2V0cyxpPXRoaXMuZ2V0RGVjaW1hbEZvclBpeGVsKHQpL2UuZmFjdG9yLWUuZW5kO3JldHVybiBqbyh0aGlzLl90YWJsZSxpKnRoaXMuX3RhYmxlUmFuZ2UrdGhpcy5fbWluUG9zLCEwKX19fSk7Y29uc3QgWW89WyJyZ2IoNTQsIDE2MiwgMjM1KSIsInJnYigyNTUsIDk5LCAxMzIpIiwicmdiKDI1NSwgMTU5LCA2NCkiLCJyZ2IoMjU1LCAyMDUsIDg2KSIsInJnYig3NSwgMTkyLCAxOTIpIiwicmdiKDE1MywgMTAyLCAyNTUpIiwicmdiKDIwMSwgMjAzLCAyMDcpIl0sVW89WW8ubWFwKCh0PT50LnJlcGxhY2UoInJnYigiLCJyZ2JhKCIpLnJlcGxhY2UoIikiLCIsIDAuNSkiKSkpO2Z1bmN0aW9uIFhvKHQpe3JldHVybiBZb1t0JVlvLmxlbmd0aF19ZnVuY3Rpb24gcW8odCl7cmV0dXJuIFVvW3QlVW8ubGVuZ3RoXX1mdW5jdGlvbiBLbyh0KXtsZXQgZT0wO3JldHVybihpLHMpPT57Y29uc3Qgbj10LmdldERhdGFzZXRNZXRhKHMpLmNvbnRyb2xsZXI7biBpbnN0YW5jZW9mICRuP2U9ZnVuY3Rpb24odCxlKXtyZXR1cm4gdC5iYWNrZ3JvdW5kQ29sb3I9dC5kYXRhLm1hcCgoKCk9PlhvKGUrKykpKSxlfShpLGUpOm4gaW5zdGFuY2VvZiBZbj9lPWZ1bmN0aW9uKHQsZSl7cmV0dXJuIHQuYmFja2dyb3VuZENvbG9yPXQuZGF0YS5tYXAoKCgpPT5xbyhlKyspKSksZX0oaSxlKTpuJiYoZT1mdW5jdGlvbih0LGUpe3JldHVybiB0LmJvcmRlckNvbG9yPVhvKGUpLHQuYmFja2dyb3VuZENvbG9yPXFvKGUpLCsrZX0oaSxlKSl9fWZ1bmN0aW9uIEdvKHQpe2xldCBlO2ZvcihlIGluIHQpaWYodFtlXS5ib3JkZXJDb2xvcnx8dFtlXS5iYWNrZ3JvdW5kQ29sb3IpcmV0dXJuITA7cmV0dXJuITF9dmFyIEpvPXtpZDoiY29sb3JzIixkZWZhdWx0czp7ZW5hYmxlZDohMCxmb3JjZU92ZXJyaWRlOiExfSxiZWZvcmVMYXlvdXQodCxlLGkpe2lmKCFpLmVuYWJsZWQpcmV0dXJuO2NvbnN0e2RhdGE6e2RhdGFzZXRzOnN9LG9wdGlvbnM6bn09dC5jb25maWcse2VsZW1lbnRzOm99PW4sYT1HbyhzKXx8KHI9bikmJihyLmJvcmRlckNvbG9yfHxyLmJhY2tncm91bmRDb2xvcil8fG8mJkdvKG8pfHwicmdiYSgwLDAsMCwwLjEpIiE9PXVlLmJvcmRlckNvbG9yfHwicmdiYSgwLDAsMCwwLjEpIiE9PXVlLmJhY2tncm91bmRDb2xvcjt2YXIgcjtpZighaS5mb3JjZU92ZXJyaWRlJiZhKXJldHVybjtjb25zdCBsPUtvKHQpO3MuZm9yRWFjaChsKX19O2Z1bmN0aW9uIFpvKHQpe2lmKHQuX2RlY2ltYXRlZCl7Y29uc3QgZT10Ll9kYXRhO2RlbGV0ZSB0Ll9kZWNpbWF0ZWQsZGVsZXRlIHQuX2RhdGEsT2JqZWN0LmRlZmluZVByb3BlcnR5KHQsImRhdGEiLHtjb25maWd1cmFibGU6ITAsZW51bWVyYWJsZTohMCx3cml0YWJsZTohMCx2YWx1ZTplfSl9fWZ1bmN0aW9uIFFvKHQpe3QuZGF0YS5kYXRhc2V0cy5mb3JFYWNoKCh0PT57Wm8odCl9KSl9dmFyIHRhPXtpZDoiZGVjaW1hdGlvbiIsZGVmYXVsdHM6e2FsZ29yaXRobToibWluLW1heCIsZW5hYmxlZDohMX0sYmVmb3JlRWxlbWVudHNVcGRhdGU6KHQsZSxpKT0+e2lmKCFpLmVuYWJsZWQpcmV0dXJuIHZvaWQgUW8odCk7Y29uc3Qgbj10LndpZHRoO3QuZGF0YS5kYXRhc2V0cy5mb3JFYWNoKCgoZSxvKT0+e2NvbnN0e19kYXRhOmEsaW5kZXhBeGlzOnJ9PWUsbD10LmdldERhdGFzZXRNZXRhKG8pLGg9YXx8ZS5kYXRhO2lmKCJ5Ij09PVBpKFtyLHQub3B0aW9ucy5pbmRleEF4aXNdKSlyZXR1cm47aWYoIWwuY29udHJvbGxlci5zdXBwb3J0c0RlY2ltYXRpb24pcmV0dXJuO2NvbnN0IGM9dC5zY2FsZXNbbC54QXhpc0lEXTtpZigibGluZWFyIiE9PWMudHlwZSYmInRpbWUiIT09Yy50eXBlKXJldHVybjtpZih0Lm9wdGlvbnMucGFyc2luZylyZXR1cm47bGV0e3N0YXJ0OmQsY291bnQ6dX09ZnVuY3Rpb24odCxlKXtjb25zdCBpPWUubGVuZ3RoO2xldCBzLG49MDtjb25zdHtpU2NhbGU6b309dCx7bWluOmEsbWF4OnIsbWluRGVmaW5lZDpsLG1heERlZmluZWQ6aH09by5nZXRVc2VyQm91bmRzKCk7cmV0dXJuIGwmJihuPVooaXQoZSxvLmF4aXMsYSkubG8sMCxpLTEpKSxzPWg/WihpdChlLG8uYXhpcyxyKS5oaSsxLG4saSktbjppLW4se3N0YXJ0Om4sY291bnQ6c319KGwsaCk7aWYodTw9KGkudGhyZXNob2xkfHw0Km4pKXJldHVybiB2b2lkIFpvKGUpO2xldCBmO3N3aXRjaChzKGEpJiYoZS5fZGF0YT1oLGRlbGV0ZSBlLmRhdGEsT2JqZWN0LmRlZmluZVByb3BlcnR5KGUsImRhdGEiLHtjb25maWd1cmFibGU6ITAsZW51bWVyYWJsZTohMCxnZXQ6ZnVuY3Rpb24oKXtyZXR1cm4gdGhpcy5fZGVjaW1hdGVkfSxzZXQ6ZnVuY3Rpb24odCl7dGhpcy5fZGF0YT10fX0pKSxpLmFsZ29yaXRobSl7Y2FzZSJsdHRiIjpmPWZ1bmN0aW9uKHQsZSxpLHMsbil7Y29uc3Qgbz1uLnNhbXBsZXN8fHM7aWYobz49aSlyZXR1cm4gdC5zbGljZShlLGUraSk7Y29uc3QgYT1bXSxyPShpLTIpLyhvLTIpO2xldCBsPTA7Y29uc3QgaD1lK2ktMTtsZXQgYyxkLHUsZixnLHA9ZTtmb3IoYVtsKytdPXRbcF0sYz0wO2M8by0yO2MrKyl7bGV0IHMsbj0wLG89MDtjb25zdCBoPU1hdGguZmxvb3IoKGMrMSkqcikrMStlLG09TWF0aC5taW4oTWF0aC5mbG9vcigoYysyKSpyKSsxLGkpK2UseD1tLWg7Zm9yKHM9aDtzPG07cysrKW4rPXRbc10ueCxvKz10W3NdLnk7bi89eCxvLz14O2NvbnN0IGI9TWF0aC5mbG9vcihjKnIpKzErZSxfPU1hdGgubWluKE1hdGguZmxvb3IoKGMrMSkqcikrMSxpKStlLHt4OnkseTp2fT10W3BdO2Zvcih1PWY9LTEscz1iO3M8XztzKyspZj0uNSpNYXRoLmFicygoeS1uKSoodFtzXS55LXYpLSh5LXRbc10ueCkqKG8tdikpLGY+dSYmKHU9ZixkPXRbc10sZz1zKTthW2wrK109ZCxwPWd9cmV0dXJuIGFbbCsrXT10W2hdLGF9KGgsZCx1LG4saSk7YnJlYWs7Y2FzZSJtaW4tbWF4IjpmPWZ1bmN0aW9uKHQsZSxpLG4pe2xldCBvLGEscixsLGgsYyxkLHUsZixnLHA9MCxtPTA7Y29uc3QgeD1bXSxiPWUraS0xLF89dFtlXS54LHk9dFtiXS54LV87Zm9yKG89ZTtvPGUraTsrK28pe2E9dFtvXSxyPShhLngtXykveSpuLGw9YS55O2NvbnN0IGU9MHxyO2lmKGU9PT1oKWw8Zj8oZj1sLGM9byk6bD5nJiYoZz1sLGQ9bykscD0obSpwK2EueCkvKyttO2Vsc2V7Y29uc3QgaT1vLTE7aWYoIXMoYykmJiFzKGQpKXtjb25zdCBlPU1hdGgubWluKGMsZCkscz1NYXRoLm1heChjLGQpO2UhPT11JiZlIT09aSYmeC5wdXNoKHsuLi50W2VdLHg6cH0pLHMhPT11JiZzIT09aSYmeC5wdXNoKHsuLi50W3NdLHg6cH0pfW8+MCYmaSE9PXUmJngucHVzaCh0W2ldKSx4LnB1c2goYSksaD1lLG09MCxmPWc9bCxjPWQ9dT1vfX1yZXR1cm4geH0oaCxkLHUsbik7YnJlYWs7ZGVmYXVsdDp0aHJvdyBuZXcgRXJyb3IoYFVuc3VwcG9ydGVkIGRlY2ltYXRpb24gYWxnb3JpdGhtICcke2kuYWxnb3JpdGhtfSdgKX1lLl9kZWNpbWF0ZWQ9Zn0pKX0sZGVzdHJveSh0KXtRbyh0KX19O2Z1bmN0aW9uIGVhKHQsZSxpLHMpe2lmKHMpcmV0dXJuO2xldCBuPWVbdF0sbz1pW3RdO3JldHVybiJhbmdsZSI9PT10JiYobj1HKG4pLG89RyhvKSkse3Byb3BlcnR5OnQsc3RhcnQ6bixlbmQ6b319ZnVuY3Rpb24gaWEodCxlLGkpe2Zvcig7ZT50O2UtLSl7Y29uc3QgdD1pW2VdO2lmKCFpc05hTih0LngpJiYhaXNOYU4odC55KSlicmVha31yZXR1cm4gZX1mdW5jdGlvbiBzYSh0LGUsaSxzKXtyZXR1cm4gdCYmZT9zKHRbaV0sZVtpXSk6dD90W2ldOmU/ZVtpXTowfWZ1bmN0aW9uIG5hKHQsZSl7bGV0IGk9W10scz0hMTtyZXR1cm4gbih0KT8ocz0hMCxpPXQpOmk9ZnVuY3Rpb24odCxlKXtjb25zdHt4Omk9bnVsbCx5OnM9bnVsbH09dHx8e30sbj1lLnBvaW50cyxvPVtdO3JldHVybiBlLnNlZ21lbnRzLmZvckVhY2goKCh7c3RhcnQ6dCxlbmQ6ZX0pPT57ZT1pYSh0LGUsbik7Y29uc3QgYT1uW3RdLHI9bltlXTtudWxsIT09cz8oby5wdXNoKHt4OmEueCx5OnN9KSxvLnB1c2goe3g6ci54LHk6c30pKTpudWxsIT09aSYmKG8ucHVzaCh7eDppLHk6YS55fSksby5wdXNoKHt4OmkseTpyLnl9KSl9KSksb30odCxlKSxpLmxlbmd0aD9uZXcgb28oe3BvaW50czppLG9wdGlvbnM6e3RlbnNpb246MH0sX2xvb3A6cyxfZnVsbExvb3A6c30pOm51bGx9ZnVuY3Rpb24gb2EodCl7cmV0dXJuIHQmJiExIT09dC5maWxsfWZ1bmN0aW9uIGFhKHQsZSxpKXtsZXQgcz10W2VdLmZpbGw7Y29uc3Qgbj1bZV07bGV0IG87aWYoIWkpcmV0dXJuIHM7Zm9yKDshMSE9PXMmJi0xPT09bi5pbmRleE9mKHMpOyl7aWYoIWEocykpcmV0dXJuIHM7aWYobz10W3NdLCFvKXJldHVybiExO2lmKG8udmlzaWJsZSlyZXR1cm4gcztuLnB1c2gocykscz1vLmZpbGx9cmV0dXJuITF9ZnVuY3Rpb24gcmEodCxlLGkpe2NvbnN0IHM9ZnVuY3Rpb24odCl7Y29uc3QgZT10Lm9wdGlvbnMsaT1lLmZpbGw7bGV0IHM9bChpJiZpLnRhcmdldCxpKTt2b2lkIDA9PT1zJiYocz0hIWUuYmFja2dyb3VuZENvbG9yKTtpZighMT09PXN8fG51bGw9PT1zKXJldHVybiExO2lmKCEwPT09cylyZXR1cm4ib3JpZ2luIjtyZXR1cm4gc30odCk7aWYobyhzKSlyZXR1cm4haXNOYU4ocy52YWx1ZSkmJnM7bGV0IG49cGFyc2VGbG9hdChzKTtyZXR1cm4gYShuKSYmTWF0aC5mbG9vcihuKT09PW4/ZnVuY3Rpb24odCxlLGkscyl7Ii0iIT09dCYmIisiIT09dHx8KGk9ZStpKTtpZihpPT09ZXx8aTwwfHxpPj1zKXJldHVybiExO3JldHVybiBpfShzWzBdLGUsbixpKTpbIm9yaWdpbiIsInN0YXJ0IiwiZW5kIiwic3RhY2siLCJzaGFwZSJdLmluZGV4T2Yocyk+PTAmJnN9ZnVuY3Rpb24gbGEodCxlLGkpe2NvbnN0IHM9W107Zm9yKGxldCBuPTA7bjxpLmxlbmd0aDtuKyspe2NvbnN0IG89aVtuXSx7Zmlyc3Q6YSxsYXN0OnIscG9pbnQ6bH09aGEobyxlLCJ4Iik7aWYoISghbHx8YSYmcikpaWYoYSlzLnVuc2hpZnQobCk7ZWxzZSBpZih0LnB1c2gobCksIXIpYnJlYWt9dC5wdXNoKC4uLnMpfWZ1bmN0aW9uIGhhKHQsZSxpKXtjb25zdCBzPXQuaW50ZXJwb2xhdGUoZSxpKTtpZighcylyZXR1cm57fTtjb25zdCBuPXNbaV0sbz10LnNlZ21lbnRzLGE9dC5wb2ludHM7bGV0IHI9ITEsbD0hMTtmb3IobGV0IHQ9MDt0PG8ubGVuZ3RoO3QrKyl7Y29uc3QgZT1vW3RdLHM9YVtlLnN0YXJ0XVtpXSxoPWFbZS5lbmRdW2ldO2lmKHR0KG4scyxoKSl7cj1uPT09cyxsPW49PT1oO2JyZWFrfX1yZXR1cm57Zmlyc3Q6cixsYXN0OmwscG9pbnQ6c319Y2xhc3MgY2F7Y29uc3RydWN0b3IodCl7dGhpcy54PXQueCx0aGlzLnk9dC55LHRoaXMucmFkaXVzPXQucmFkaXVzfXBhdGhTZWdtZW50KHQsZSxpKXtjb25zdHt4OnMseTpuLHJhZGl1czpvfT10aGlzO3JldHVybiBlPWV8fHtzdGFydDowLGVuZDpPfSx0LmFyYyhzLG4sbyxlLmVuZCxlLnN0YXJ0LCEwKSwhaS5ib3VuZHN9aW50ZXJwb2xhdGUodCl7Y29uc3R7eDplLHk6aSxyYWRpdXM6c309dGhpcyxuPXQuYW5nbGU7cmV0dXJue3g6ZStNYXRoLmNvcyhuKSpzLHk6aStNYXRoLnNpbihuKSpzLGFuZ2xlOm59fX1mdW5jdGlvbiBkYSh0KXtjb25zdHtjaGFydDplLGZpbGw6aSxsaW5lOnN9PXQ7aWYoYShpKSlyZXR1cm4gZnVuY3Rpb24odCxlKXtjb25zdCBpPXQuZ2V0RGF0YXNldE1ldGEoZSkscz1pJiZ0LmlzRGF0YXNldFZpc2libGUoZSk7cmV0dXJuIHM/aS5kYXRhc2V0Om51bGx9KGUsaSk7aWYoInN0YWNrIj09PWkpcmV0dXJuIGZ1bmN0aW9uKHQpe2NvbnN0e3NjYWxlOmUsaW5kZXg6aSxsaW5lOnN9PXQsbj1bXSxvPXMuc2VnbWVudHMsYT1zLnBvaW50cyxyPWZ1bmN0aW9uKHQsZSl7Y29uc3QgaT1bXSxzPXQuZ2V0TWF0Y2hpbmdWaXNpYmxlTWV0YXMoImxpbmUiKTtmb3IobGV0IHQ9MDt0PHMubGVuZ3RoO3QrKyl7Y29uc3Qgbj1zW3RdO2lmKG4uaW5kZXg9PT1lKWJyZWFrO24uaGlkZGVufHxpLnVuc2hpZnQobi5kYXRhc2V0KX1yZXR1cm4gaX0oZSxpKTtyLnB1c2gobmEoe3g6bnVsbCx5OmUuYm90dG9tfSxzKSk7Zm9yKGxldCB0PTA7dDxvLmxlbmd0aDt0Kyspe2NvbnN0IGU9b1t0XTtmb3IobGV0IHQ9ZS5zdGFydDt0PD1lLmVuZDt0KyspbGEobixhW3RdLHIpfXJldHVybiBuZXcgb28oe3BvaW50czpuLG9wdGlvbnM6e319KX0odCk7aWYoInNoYXBlIj09PWkpcmV0dXJuITA7Y29uc3Qgbj1mdW5jdGlvbih0KXtjb25zdCBlPXQuc2NhbGV8fHt9O2lmKGUuZ2V0UG9pbnRQb3NpdGlvbkZvclZhbHVlKXJldHVybiBmdW5jdGlvbih0KXtjb25zdHtzY2FsZTplLGZpbGw6aX09dCxzPWUub3B0aW9ucyxuPWUuZ2V0TGFiZWxzKCkubGVuZ3RoLGE9cy5yZXZlcnNlP2UubWF4OmUubWluLHI9ZnVuY3Rpb24odCxlLGkpe2xldCBzO3JldHVybiBzPSJzdGFydCI9PT10P2k6ImVuZCI9PT10P2Uub3B0aW9ucy5yZXZlcnNlP2UubWluOmUubWF4Om8odCk/dC52YWx1ZTplLmdldEJhc2VWYWx1ZSgpLHN9KGksZSxhKSxsPVtdO2lmKHMuZ3JpZC5jaXJjdWxhcil7Y29uc3QgdD1lLmdldFBvaW50UG9zaXRpb25Gb3JWYWx1ZSgwLGEpO3JldHVybiBuZXcgY2Eoe3g6dC54LHk6dC55LHJhZGl1czplLmdldERpc3RhbmNlRnJvbUNlbnRlckZvclZhbHVlKHIpfSl9Zm9yKGxldCB0PTA7dDxuOysrdClsLnB1c2goZS5nZXRQb2ludFBvc2l0aW9uRm9yVmFsdWUodCxyKSk7cmV0dXJuIGx9KHQpO3JldHVybiBmdW5jdGlvbih0KXtjb25zdHtzY2FsZTplPXt9LGZpbGw6aX09dCxzPWZ1bmN0aW9uKHQsZSl7bGV0IGk9bnVsbDtyZXR1cm4ic3RhcnQiPT09dD9pPWUuYm90dG9tOiJlbmQiPT09dD9pPWUudG9wOm8odCk/aT1lLmdldFBpeGVsRm9yVmFsdWUodC52YWx1ZSk6ZS5nZXRCYXNlUGl4ZWwmJihpPWUuZ2V0QmFzZVBpeGVsKCkpLGl9KGksZSk7aWYoYShzKSl7Y29uc3QgdD1lLmlzSG9yaXpvbnRhbCgpO3JldHVybnt4OnQ/czpudWxsLHk6dD9udWxsOnN9fXJldHVybiBudWxsfSh0KX0odCk7cmV0dXJuIG4gaW5zdGFuY2VvZiBjYT9uOm5hKG4scyl9ZnVuY3Rpb24gdWEodCxlLGkpe2NvbnN0IHM9ZGEoZSkse2NoYXJ0Om4saW5kZXg6byxsaW5lOmEsc2NhbGU6cixheGlzOmx9PWUsaD1hLm9wdGlvbnMsYz1oLmZpbGwsZD1oLmJhY2tncm91bmRDb2xvcix7YWJvdmU6dT1kLGJlbG93OmY9ZH09Y3x8e30sZz1uLmdldERhdGFzZXRNZXRhKG8pLHA9V2kobixnKTtzJiZhLnBvaW50cy5sZW5ndGgmJihJZSh0LGZ1bmN0aW9uKHQsZSl7aWYoIWV8fGUuZ2V0UG9pbnRQb3NpdGlvbkZvclZhbHVlKXJldHVybiB0O2NvbnN0IGk9ZS5nZXRQaXhlbEZvclZhbHVlKGUubWluKSxzPWUuZ2V0UGl4ZWxGb3JWYWx1ZShlLm1heCksbj1NYXRoLm1pbihpLHMpLG89TWF0aC5tYXgoaSxzKTtyZXR1cm4gZS5pc0hvcml6b250YWwoKT97Li4udCxsZWZ0Ok1hdGgubWF4KHQubGVmdCxuKSxyaWdodDpNYXRoLm1pbih0LnJpZ2h0LG8pfTp7Li4udCx0b3A6TWF0aC5tYXgodC50b3AsbiksYm90dG9tOk1hdGgubWluKHQuYm90dG9tLG8pfX0oaSxnLmlTY2FsZSkpLGZ1bmN0aW9uKHQsZSl7Y29uc3R7bGluZTppLHRhcmdldDpzLGFib3ZlOm4sYmVsb3c6byxhcmVhOmEsc2NhbGU6cixjbGlwOmx9PWUsaD1pLl9sb29wPyJhbmdsZSI6ZS5heGlzO3Quc2F2ZSgpO2xldCBjPW87byE9PW4mJigieCI9PT1oPyhmYSh0LHMsYS50b3ApLHBhKHQse2xpbmU6aSx0YXJnZXQ6cyxjb2xvcjpuLHNjYWxlOnIscHJvcGVydHk6aCxjbGlwOmx9KSx0LnJlc3RvcmUoKSx0LnNhdmUoKSxmYSh0LHMsYS5ib3R0b20pKToieSI9PT1oJiYoZ2EodCxzLGEubGVmdCkscGEodCx7bGluZTppLHRhcmdldDpzLGNvbG9yOm8sc2NhbGU6cixwcm9wZXJ0eTpoLGNsaXA6bH0pLHQucmVzdG9yZSgpLHQuc2F2ZSgpLGdhKHQscyxhLnJpZ2h0KSxjPW4pKTtwYSh0LHtsaW5lOmksdGFyZ2V0OnMsY29sb3I6YyxzY2FsZTpyLHByb3BlcnR5OmgsY2xpcDpsfSksdC5yZXN0b3JlKCl9KHQse2xpbmU6YSx0YXJnZXQ6cyxhYm92ZTp1LGJlbG93OmYsYXJlYTppLHNjYWxlOnIsYXhpczpsLGNsaXA6cH0pLHplKHQpKX1mdW5jdGlvbiBmYSh0LGUsaSl7Y29uc3R7c2VnbWVudHM6cyxwb2ludHM6bn09ZTtsZXQgbz0hMCxhPSExO3QuYmVnaW5QYXRoKCk7Zm9yKGNvbnN0IHIgb2Ygcyl7Y29uc3R7c3RhcnQ6cyxlbmQ6bH09cixoPW5bc10sYz1uW2lhKHMsbCxuKV07bz8odC5tb3ZlVG8oaC54LGgueSksbz0hMSk6KHQubGluZVRvKGgueCxpKSx0LmxpbmVUbyhoLngsaC55KSksYT0hIWUucGF0aFNlZ21lbnQodCxyLHttb3ZlOmF9KSxhP3QuY2xvc2VQYXRoKCk6dC5saW5lVG8oYy54LGkpfXQubGluZVRvKGUuZmlyc3QoKS54LGkpLHQuY2xvc2VQYXRoKCksdC5jbGlwKCl9ZnVuY3Rpb24gZ2EodCxlLGkpe2NvbnN0e3NlZ21lbnRzOnMscG9pbnRzOm59PWU7bGV0IG89ITAsYT0hMTt0LmJlZ2luUGF0aCgpO2Zvcihjb25zdCByIG9mIHMpe2NvbnN0e3N0YXJ0OnMsZW5kOmx9PXIsaD1uW3NdLGM9bltpYShzLGwsbildO28/KHQubW92ZVRvKGgueCxoLnkpLG89ITEpOih0LmxpbmVUbyhpLGgueSksdC5saW5lVG8oaC54LGgueSkpLGE9ISFlLnBhdGhTZWdtZW50KHQscix7bW92ZTphfSksYT90LmNsb3NlUGF0aCgpOnQubGluZVRvKGksYy55KX10LmxpbmVUbyhpLGUuZmlyc3QoKS55KSx0LmNsb3NlUGF0aCgpLHQuY2xpcCgpfWZ1bmN0aW9uIHBhKHQsZSl7Y29uc3R7bGluZTppLHRhcmdldDpzLHByb3BlcnR5Om4sY29sb3I6byxzY2FsZTphLGNsaXA6cn09ZSxsPWZ1bmN0aW9uKHQsZSxpKXtjb25zdCBzPXQuc2VnbWVudHMsbj10LnBvaW50cyxvPWUucG9pbnRzLGE9W107Zm9yKGNvbnN0IHQgb2Ygcyl7bGV0e3N0YXJ0OnMsZW5kOnJ9PXQ7cj1pYShzLHIsbik7Y29uc3QgbD1lYShpLG5bc10sbltyXSx0Lmxvb3ApO2lmKCFlLnNlZ21lbnRzKXthLnB1c2goe3NvdXJjZTp0LHRhcmdldDpsLHN0YXJ0Om5bc10sZW5kOm5bcl19KTtjb250aW51ZX1jb25zdCBoPUlpKGUsbCk7Zm9yKGNvbnN0IGUgb2YgaCl7Y29uc3Qgcz1lYShpLG9bZS5zdGFydF0sb1tlLmVuZF0sZS5sb29wKSxyPVJpKHQsbixzKTtmb3IoY29uc3QgdCBvZiByKWEucHVzaCh7c291cmNlOnQsdGFyZ2V0OmUsc3RhcnQ6e1tpXTpzYShsLHMsInN0YXJ0IixNYXRoLm1heCl9LGVuZDp7W2ldOnNhKGwscywiZW5kIixNYXRoLm1pbil9fSl9fXJldHVybiBhfShpLHMsbik7Zm9yKGNvbnN0e3NvdXJjZTplLHRhcmdldDpoLHN0YXJ0OmMsZW5kOmR9b2YgbCl7Y29uc3R7c3R5bGU6e2JhY2tncm91bmRDb2xvcjpsPW99PXt9fT1lLHU9ITAhPT1zO3Quc2F2ZSgpLHQuZmlsbFN0eWxlPWwsbWEodCxhLHIsdSYmZWEobixjLGQpKSx0LmJlZ2luUGF0aCgpO2NvbnN0IGY9ISFpLnBhdGhTZWdtZW50KHQsZSk7bGV0IGc7aWYodSl7Zj90LmNsb3NlUGF0aCgpOnhhKHQscyxkLG4pO2NvbnN0IGU9ISFzLnBhdGhTZWdtZW50KHQsaCx7bW92ZTpmLHJldmVyc2U6ITB9KTtnPWYmJmUsZ3x8eGEodCxzLGMsbil9dC5jbG9zZVBhdGgoKSx0LmZpbGwoZz8iZXZlbm9kZCI6Im5vbnplcm8iKSx0LnJlc3RvcmUoKX19ZnVuY3Rpb24gbWEodCxlLGkscyl7Y29uc3Qgbj1lLmNoYXJ0LmNoYXJ0QXJlYSx7cHJvcGVydHk6byxzdGFydDphLGVuZDpyfT1zfHx7fTtpZigieCI9PT1vfHwieSI9PT1vKXtsZXQgZSxzLGwsaDsieCI9PT1vPyhlPWEscz1uLnRvcCxsPXIsaD1uLmJvdHRvbSk6KGU9bi5sZWZ0LHM9YSxsPW4ucmlnaHQsaD1yKSx0LmJlZ2luUGF0aCgpLGkmJihlPU1hdGgubWF4KGUsaS5sZWZ0KSxsPU1hdGgubWluKGwsaS5yaWdodCkscz1NYXRoLm1heChzLGkudG9wKSxoPU1hdGgubWluKGgsaS5ib3R0b20pKSx0LnJlY3QoZSxzLGwtZSxoLXMpLHQuY2xpcCgpfX1mdW5jdGlvbiB4YSh0LGUsaSxzKXtjb25zdCBuPWUuaW50ZXJwb2xhdGUoaSxzKTtuJiZ0LmxpbmVUbyhuLngsbi55KX12YXIgYmE9e2lkOiJmaWxsZXIiLGFmdGVyRGF0YXNldHNVcGRhdGUodCxlLGkpe2NvbnN0IHM9KHQuZGF0YS5kYXRhc2V0c3x8W10pLmxlbmd0aCxuPVtdO2xldCBvLGEscixsO2ZvcihhPTA7YTxzOysrYSlvPXQuZ2V0RGF0YXNldE1ldGEoYSkscj1vLmRhdGFzZXQsbD1udWxsLHImJnIub3B0aW9ucyYmciBpbnN0YW5jZW9mIG9vJiYobD17dmlzaWJsZTp0LmlzRGF0YXNldFZpc2libGUoYSksaW5kZXg6YSxmaWxsOnJhKHIsYSxzKSxjaGFydDp0LGF4aXM6by5jb250cm9sbGVyLm9wdGlvbnMuaW5kZXhBeGlzLHNjYWxlOm8udlNjYWxlLGxpbmU6cn0pLG8uJGZpbGxlcj1sLG4ucHVzaChsKTtmb3IoYT0wO2E8czsrK2EpbD1uW2FdLGwmJiExIT09bC5maWxsJiYobC5maWxsPWFhKG4sYSxpLnByb3BhZ2F0ZSkpfSxiZWZvcmVEcmF3KHQsZSxpKXtjb25zdCBzPSJiZWZvcmVEcmF3Ij09PWkuZHJhd1RpbWUsbj10LmdldFNvcnRlZFZpc2libGVEYXRhc2V0TWV0YXMoKSxvPXQuY2hhcnRBcmVhO2ZvcihsZXQgZT1uLmxlbmd0aC0xO2U+PTA7LS1lKXtjb25zdCBpPW5bZV0uJGZpbGxlcjtpJiYoaS5saW5lLnVwZGF0ZUNvbnRyb2xQb2ludHMobyxpLmF4aXMpLHMmJmkuZmlsbCYmdWEodC5jdHgsaSxvKSl9fSxiZWZvcmVEYXRhc2V0c0RyYXcodCxlLGkpe2lmKCJiZWZvcmVEYXRhc2V0c0RyYXciIT09aS5kcmF3VGltZSlyZXR1cm47Y29uc3Qgcz10LmdldFNvcnRlZFZpc2libGVEYXRhc2V0TWV0YXMoKTtmb3IobGV0IGU9cy5sZW5ndGgtMTtlPj0wOy0tZSl7Y29uc3QgaT1zW2VdLiRmaWxsZXI7b2EoaSkmJnVhKHQuY3R4LGksdC5jaGFydEFyZWEpfX0sYmVmb3JlRGF0YXNldERyYXcodCxlLGkpe2NvbnN0IHM9ZS5tZXRhLiRmaWxsZXI7b2EocykmJiJiZWZvcmVEYXRhc2V0RHJhdyI9PT1pLmRyYXdUaW1lJiZ1YSh0LmN0eCxzLHQuY2hhcnRBcmVhKX0sZGVmYXVsdHM6e3Byb3BhZ2F0ZTohMCxkcmF3VGltZToiYmVmb3JlRGF0YXNldERyYXcifX07Y29uc3QgX2E9KHQsZSk9PntsZXR7Ym94SGVpZ2h0Omk9ZSxib3hXaWR0aDpzPWV9PXQ7cmV0dXJuIHQudXNlUG9pbnRTdHlsZSYmKGk9TWF0aC5taW4oaSxlKSxzPXQucG9pbnRTdHlsZVdpZHRofHxNYXRoLm1pbihzLGUpKSx7Ym94V2lkdGg6cyxib3hIZWlnaHQ6aSxpdGVtSGVpZ2h0Ok1hdGgubWF4KGUsaSl9fTtjbGFzcyB5YSBleHRlbmRzICRze2NvbnN0cnVjdG9yKHQpe3N1cGVyKCksdGhpcy5fYWRkZWQ9ITEsdGhpcy5sZWdlbmRIaXRCb3hlcz1bXSx0aGlzLl9ob3ZlcmVkSXRlbT1udWxsLHRoaXMuZG91Z2hudXRNb2RlPSExLHRoaXMuY2hhcnQ9dC5jaGFydCx0aGlzLm9wdGlvbnM9dC5vcHRpb25zLHRoaXMuY3R4PXQuY3R4LHRoaXMubGVnZW5kSXRlbXM9dm9pZCAwLHRoaXMuY29sdW1uU2l6ZXM9dm9pZCAwLHRoaXMubGluZVdpZHRocz12b2lkIDAsdGhpcy5tYXhIZWlnaHQ9dm9pZCAwLHRoaXMubWF4V2lkdGg9dm9pZCAwLHRoaXMudG9wPXZvaWQgMCx0aGlzLmJvdHRvbT12b2lkIDAsdGhpcy5sZWZ0PXZvaWQgMCx0aGlzLnJpZ2h0PXZvaWQgMCx0aGlzLmhlaWdodD12b2lkIDAsdGhpcy53aWR0aD12b2lkIDAsdGhpcy5fbWFyZ2lucz12b2lkIDAsdGhpcy5wb3NpdGlvbj12b2lkIDAsdGhpcy53ZWlnaHQ9dm9pZCAwLHRoaXMuZnVsbFNpemU9dm9pZCAwfXVwZGF0ZSh0LGUsaSl7dGhpcy5tYXhXaWR0aD10LHRoaXMubWF4SGVpZ2h0PWUsdGhpcy5fbWFyZ2lucz1pLHRoaXMuc2V0RGltZW5zaW9ucygpLHRoaXMuYnVpbGRMYWJlbHMoKSx0aGlzLmZpdCgpfXNldERpbWVuc2lvbnMoKXt0aGlzLmlzSG9yaXpvbnRhbCgpPyh0aGlzLndpZHRoPXRoaXMubWF4V2lkdGgsdGhpcy5sZWZ0PXRoaXMuX21hcmdpbnMubGVmdCx0aGlzLnJpZ2h0PXRoaXMud2lkdGgpOih0aGlzLmhlaWdodD10aGlzLm1heEhlaWdodCx0aGlzLnRvcD10aGlzLl9tYXJnaW5zLnRvcCx0aGlzLmJvdHRvbT10aGlzLmhlaWdodCl9YnVpbGRMYWJlbHMoKXtjb25zdCB0PXRoaXMub3B0aW9ucy5sYWJlbHN8fHt9O2xldCBlPWQodC5nZW5lcmF0ZUxhYmVscyxbdGhpcy5jaGFydF0sdGhpcyl8fFtdO3QuZmlsdGVyJiYoZT1lLmZpbHRlcigoZT0+dC5maWx0ZXIoZSx0aGlzLmNoYXJ0LmRhdGEpKSkpLHQuc29ydCYmKGU9ZS5zb3J0KCgoZSxpKT0+dC5zb3J0KGUsaSx0aGlzLmNoYXJ0LmRhdGEpKSkpLHRoaXMub3B0aW9ucy5yZXZlcnNlJiZlLnJldmVyc2UoKSx0aGlzLmxlZ2VuZEl0ZW1zPWV9Zml0KCl7Y29uc3R7b3B0aW9uczp0LGN0eDplfT10aGlzO2lmKCF0LmRpc3BsYXkpcmV0dXJuIHZvaWQodGhpcy53aWR0aD10aGlzLmhlaWdodD0wKTtjb25zdCBpPXQubGFiZWxzLHM9U2koaS5mb250KSxuPXMuc2l6ZSxvPXRoaXMuX2NvbXB1dGVUaXRsZUhlaWdodCgpLHtib3hXaWR0aDphLGl0ZW1IZWlnaHQ6cn09X2EoaSxuKTtsZXQgbCxoO2UuZm9udD1zLnN0cmluZyx0aGlzLmlzSG9yaXpvbnRhbCgpPyhsPXRoaXMubWF4V2lkdGgsaD10aGlzLl9maXRSb3dzKG8sbixhLHIpKzEwKTooaD10aGlzLm1heEhlaWdodCxsPXRoaXMuX2ZpdENvbHMobyxzLGEscikrMTApLHRoaXMud2lkdGg9TWF0aC5taW4obCx0Lm1heFdpZHRofHx0aGlzLm1heFdpZHRoKSx0aGlzLmhlaWdodD1NYXRoLm1pbihoLHQubWF4SGVpZ2h0fHx0aGlzLm1heEhlaWdodCl9X2ZpdFJvd3ModCxlLGkscyl7Y29uc3R7Y3R4Om4sbWF4V2lkdGg6byxvcHRpb25zOntsYWJlbHM6e3BhZGRpbmc6YX19fT10aGlzLHI9dGhpcy5sZWdlbmRIaXRCb3hlcz1bXSxsPXRoaXMubGluZVdpZHRocz1bMF0saD1zK2E7bGV0IGM9dDtuLnRleHRBbGlnbj0ibGVmdCIsbi50ZXh0QmFzZWxpbmU9Im1pZGRsZSI7bGV0IGQ9LTEsdT0taDtyZXR1cm4gdGhpcy5sZWdlbmRJdGVtcy5mb3JFYWNoKCgodCxmKT0+e2NvbnN0IGc9aStlLzIrbi5tZWFzdXJlVGV4dCh0LnRleHQpLndpZHRoOygwPT09Znx8bFtsLmxlbmd0aC0xXStnKzIqYT5vKSYmKGMrPWgsbFtsLmxlbmd0aC0oZj4wPzA6MSldPTAsdSs9aCxkKyspLHJbZl09e2xlZnQ6MCx0b3A6dSxyb3c6ZCx3aWR0aDpnLGhlaWdodDpzfSxsW2wubGVuZ3RoLTFdKz1nK2F9KSksY31fZml0Q29scyh0LGUsaSxzKXtjb25zdHtjdHg6bixtYXhIZWlnaHQ6byxvcHRpb25zOntsYWJlbHM6e3BhZGRpbmc6YX19fT10aGlzLHI9dGhpcy5sZWdlbmRIaXRCb3hlcz1bXSxsPXRoaXMuY29sdW1uU2l6ZXM9W10saD1vLXQ7bGV0IGM9YSxkPTAsdT0wLGY9MCxnPTA7cmV0dXJuIHRoaXMubGVnZW5kSXRlbXMuZm9yRWFjaCgoKHQsbyk9Pntjb25zdHtpdGVtV2lkdGg6cCxpdGVtSGVpZ2h0Om19PWZ1bmN0aW9uKHQsZSxpLHMsbil7Y29uc3Qgbz1mdW5jdGlvbih0LGUsaSxzKXtsZXQgbj10LnRleHQ7biYmInN0cmluZyIhPXR5cGVvZiBuJiYobj1uLnJlZHVjZSgoKHQsZSk9PnQubGVuZ3RoPmUubGVuZ3RoP3Q6ZSkpKTtyZXR1cm4gZStpLnNpemUvMitzLm1lYXN1cmVUZXh0KG4pLndpZHRofShzLHQsZSxpKSxhPWZ1bmN0aW9uKHQsZSxpKXtsZXQgcz10OyJzdHJpbmciIT10eXBlb2YgZS50ZXh0JiYocz12YShlLGkpKTtyZXR1cm4gc30obixzLGUubGluZUhlaWdodCk7cmV0dXJue2l0ZW1XaWR0aDpvLGl0ZW1IZWlnaHQ6YX19KGksZSxuLHQscyk7bz4wJiZ1K20rMiphPmgmJihjKz1kK2EsbC5wdXNoKHt3aWR0aDpkLGhlaWdodDp1fSksZis9ZCthLGcrKyxkPXU9MCkscltvXT17bGVmdDpmLHRvcDp1LGNvbDpnLHdpZHRoOnAsaGVpZ2h0Om19LGQ9TWF0aC5tYXgoZCxwKSx1Kz1tK2F9KSksYys9ZCxsLnB1c2goe3dpZHRoOmQsaGVpZ2h0OnV9KSxjfWFkanVzdEhpdEJveGVzKCl7aWYoIXRoaXMub3B0aW9ucy5kaXNwbGF5KXJldHVybjtjb25zdCB0PXRoaXMuX2NvbXB1dGVUaXRsZUhlaWdodCgpLHtsZWdlbmRIaXRCb3hlczplLG9wdGlvbnM6e2FsaWduOmksbGFiZWxzOntwYWRkaW5nOnN9LHJ0bDpufX09dGhpcyxvPU9pKG4sdGhpcy5sZWZ0LHRoaXMud2lkdGgpO2lmKHRoaXMuaXNIb3Jpem9udGFsKCkpe2xldCBuPTAsYT1mdChpLHRoaXMubGVmdCtzLHRoaXMucmlnaHQtdGhpcy5saW5lV2lkdGhzW25dKTtmb3IoY29uc3QgciBvZiBlKW4hPT1yLnJvdyYmKG49ci5yb3csYT1mdChpLHRoaXMubGVmdCtzLHRoaXMucmlnaHQtdGhpcy5saW5lV2lkdGhzW25dKSksci50b3ArPXRoaXMudG9wK3QrcyxyLmxlZnQ9by5sZWZ0Rm9yTHRyKG8ueChhKSxyLndpZHRoKSxhKz1yLndpZHRoK3N9ZWxzZXtsZXQgbj0wLGE9ZnQoaSx0aGlzLnRvcCt0K3MsdGhpcy5ib3R0b20tdGhpcy5jb2x1bW5TaXplc1tuXS5oZWlnaHQpO2Zvcihjb25zdCByIG9mIGUpci5jb2whPT1uJiYobj1yLmNvbCxhPWZ0KGksdGhpcy50b3ArdCtzLHRoaXMuYm90dG9tLXRoaXMuY29sdW1uU2l6ZXNbbl0uaGVpZ2h0KSksci50b3A9YSxyLmxlZnQrPXRoaXMubGVmdCtzLHIubGVmdD1vLmxlZnRGb3JMdHIoby54KHIubGVmdCksci53aWR0aCksYSs9ci5oZWlnaHQrc319aXNIb3Jpem9udGFsKCl7cmV0dXJuInRvcCI9PT10aGlzLm9wdGlvbnMucG9zaXRpb258fCJib3R0b20iPT09dGhpcy5vcHRpb25zLnBvc2l0aW9ufWRyYXcoKXtpZih0aGlzLm9wdGlvbnMuZGlzcGxheSl7Y29uc3QgdD10aGlzLmN0eDtJZSh0LHRoaXMpLHRoaXMuX2RyYXcoKSx6ZSh0KX19X2RyYXcoKXtjb25zdHtvcHRpb25zOnQsY29sdW1uU2l6ZXM6ZSxsaW5lV2lkdGhzOmksY3R4OnN9PXRoaXMse2FsaWduOm4sbGFiZWxzOm99PXQsYT11ZS5jb2xvcixyPU9pKHQucnRsLHRoaXMubGVmdCx0aGlzLndpZHRoKSxoPVNpKG8uZm9udCkse3BhZGRpbmc6Y309byxkPWguc2l6ZSx1PWQvMjtsZXQgZjt0aGlzLmRyYXdUaXRsZSgpLHMudGV4dEFsaWduPXIudGV4dEFsaWduKCJsZWZ0Iikscy50ZXh0QmFzZWxpbmU9Im1pZGRsZSIscy5saW5lV2lkdGg9LjUscy5mb250PWguc3RyaW5nO2NvbnN0e2JveFdpZHRoOmcsYm94SGVpZ2h0OnAsaXRlbUhlaWdodDptfT1fYShvLGQpLHg9dGhpcy5pc0hvcml6b250YWwoKSxiPXRoaXMuX2NvbXB1dGVUaXRsZUhlaWdodCgpO2Y9eD97eDpmdChuLHRoaXMubGVmdCtjLHRoaXMucmlnaHQtaVswXSkseTp0aGlzLnRvcCtjK2IsbGluZTowfTp7eDp0aGlzLmxlZnQrYyx5OmZ0KG4sdGhpcy50b3ArYitjLHRoaXMuYm90dG9tLWVbMF0uaGVpZ2h0KSxsaW5lOjB9LEFpKHRoaXMuY3R4LHQudGV4dERpcmVjdGlvbik7Y29uc3QgXz1tK2M7dGhpcy5sZWdlbmRJdGVtcy5mb3JFYWNoKCgoeSx2KT0+e3Muc3Ryb2tlU3R5bGU9eS5mb250Q29sb3Iscy5maWxsU3R5bGU9eS5mb250Q29sb3I7Y29uc3QgTT1zLm1lYXN1cmVUZXh0KHkudGV4dCkud2lkdGgsdz1yLnRleHRBbGlnbih5LnRleHRBbGlnbnx8KHkudGV4dEFsaWduPW8udGV4dEFsaWduKSksaz1nK3UrTTtsZXQgUz1mLngsUD1mLnk7ci5zZXRXaWR0aCh0aGlzLndpZHRoKSx4P3Y+MCYmUytrK2M+dGhpcy5yaWdodCYmKFA9Zi55Kz1fLGYubGluZSsrLFM9Zi54PWZ0KG4sdGhpcy5sZWZ0K2MsdGhpcy5yaWdodC1pW2YubGluZV0pKTp2PjAmJlArXz50aGlzLmJvdHRvbSYmKFM9Zi54PVMrZVtmLmxpbmVdLndpZHRoK2MsZi5saW5lKyssUD1mLnk9ZnQobix0aGlzLnRvcCtiK2MsdGhpcy5ib3R0b20tZVtmLmxpbmVdLmhlaWdodCkpO2lmKGZ1bmN0aW9uKHQsZSxpKXtpZihpc05hTihnKXx8Zzw9MHx8aXNOYU4ocCl8fHA8MClyZXR1cm47cy5zYXZlKCk7Y29uc3Qgbj1sKGkubGluZVdpZHRoLDEpO2lmKHMuZmlsbFN0eWxlPWwoaS5maWxsU3R5bGUsYSkscy5saW5lQ2FwPWwoaS5saW5lQ2FwLCJidXR0Iikscy5saW5lRGFzaE9mZnNldD1sKGkubGluZURhc2hPZmZzZXQsMCkscy5saW5lSm9pbj1sKGkubGluZUpvaW4sIm1pdGVyIikscy5saW5lV2lkdGg9bixzLnN0cm9rZVN0eWxlPWwoaS5zdHJva2VTdHlsZSxhKSxzLnNldExpbmVEYXNoKGwoaS5saW5lRGFzaCxbXSkpLG8udXNlUG9pbnRTdHlsZSl7Y29uc3QgYT17cmFkaXVzOnAqTWF0aC5TUVJUMi8yLHBvaW50U3R5bGU6aS5wb2ludFN0eWxlLHJvdGF0aW9uOmkucm90YXRpb24sYm9yZGVyV2lkdGg6bn0sbD1yLnhQbHVzKHQsZy8yKTtFZShzLGEsbCxlK3Usby5wb2ludFN0eWxlV2lkdGgmJmcpfWVsc2V7Y29uc3Qgbz1lK01hdGgubWF4KChkLXApLzIsMCksYT1yLmxlZnRGb3JMdHIodCxnKSxsPXdpKGkuYm9yZGVyUmFkaXVzKTtzLmJlZ2luUGF0aCgpLE9iamVjdC52YWx1ZXMobCkuc29tZSgodD0+MCE9PXQpKT9IZShzLHt4OmEseTpvLHc6ZyxoOnAscmFkaXVzOmx9KTpzLnJlY3QoYSxvLGcscCkscy5maWxsKCksMCE9PW4mJnMuc3Ryb2tlKCl9cy5yZXN0b3JlKCl9KHIueChTKSxQLHkpLFM9Z3QodyxTK2crdSx4P1Mrazp0aGlzLnJpZ2h0LHQucnRsKSxmdW5jdGlvbih0LGUsaSl7V2UocyxpLnRleHQsdCxlK20vMixoLHtzdHJpa2V0aHJvdWdoOmkuaGlkZGVuLHRleHRBbGlnbjpyLnRleHRBbGlnbihpLnRleHRBbGlnbil9KX0oci54KFMpLFAseSkseClmLngrPWsrYztlbHNlIGlmKCJzdHJpbmciIT10eXBlb2YgeS50ZXh0KXtjb25zdCB0PWgubGluZUhlaWdodDtmLnkrPXZhKHksdCkrY31lbHNlIGYueSs9X30pKSxUaSh0aGlzLmN0eCx0LnRleHREaXJlY3Rpb24pfWRyYXdUaXRsZSgpe2NvbnN0IHQ9dGhpcy5vcHRpb25zLGU9dC50aXRsZSxpPVNpKGUuZm9udCkscz1raShlLnBhZGRpbmcpO2lmKCFlLmRpc3BsYXkpcmV0dXJuO2NvbnN0IG49T2kodC5ydGwsdGhpcy5sZWZ0LHRoaXMud2lkdGgpLG89dGhpcy5jdHgsYT1lLnBvc2l0aW9uLHI9aS5zaXplLzIsbD1zLnRvcCtyO2xldCBoLGM9dGhpcy5sZWZ0LGQ9dGhpcy53aWR0aDtpZih0aGlzLmlzSG9yaXpvbnRhbCgpKWQ9TWF0aC5tYXgoLi4udGhpcy5saW5lV2lkdGhzKSxoPXRoaXMudG9wK2wsYz1mdCh0LmFsaWduLGMsdGhpcy5yaWdodC1kKTtlbHNle2NvbnN0IGU9dGhpcy5jb2x1bW5TaXplcy5yZWR1Y2UoKCh0LGUpPT5NYXRoLm1heCh0LGUuaGVpZ2h0KSksMCk7aD1sK2Z0KHQuYWxpZ24sdGhpcy50b3AsdGhpcy5ib3R0b20tZS10LmxhYmVscy5wYWRkaW5nLXRoaXMuX2NvbXB1dGVUaXRsZUhlaWdodCgpKX1jb25zdCB1PWZ0KGEsYyxjK2QpO28udGV4dEFsaWduPW4udGV4dEFsaWduKHV0KGEpKSxvLnRleHRCYXNlbGluZT0ibWlkZGxlIixvLnN0cm9rZVN0eWxlPWUuY29sb3Isby5maWxsU3R5bGU9ZS5jb2xvcixvLmZvbnQ9aS5zdHJpbmcsV2UobyxlLnRleHQsdSxoLGkpfV9jb21wdXRlVGl0bGVIZWlnaHQoKXtjb25zdCB0PXRoaXMub3B0aW9ucy50aXRsZSxlPVNpKHQuZm9udCksaT1raSh0LnBhZGRpbmcpO3JldHVybiB0LmRpc3BsYXk/ZS5saW5lSGVpZ2h0K2kuaGVpZ2h0OjB9X2dldExlZ2VuZEl0ZW1BdCh0LGUpe2xldCBpLHMsbjtpZih0dCh0LHRoaXMubGVmdCx0aGlzLnJpZ2h0KSYmdHQoZSx0aGlzLnRvcCx0aGlzLmJvdHRvbSkpZm9yKG49dGhpcy5sZWdlbmRIaXRCb3hlcyxpPTA7aTxuLmxlbmd0aDsrK2kpaWYocz1uW2ldLHR0KHQscy5sZWZ0LHMubGVmdCtzLndpZHRoKSYmdHQoZSxzLnRvcCxzLnRvcCtzLmhlaWdodCkpcmV0dXJuIHRoaXMubGVnZW5kSXRlbXNbaV07cmV0dXJuIG51bGx9aGFuZGxlRXZlbnQodCl7Y29uc3QgZT10aGlzLm9wdGlvbnM7aWYoIWZ1bmN0aW9uKHQsZSl7aWYoKCJtb3VzZW1vdmUiPT09dHx8Im1vdXNlb3V0Ij09PXQpJiYoZS5vbkhvdmVyfHxlLm9uTGVhdmUpKXJldHVybiEwO2lmKGUub25DbGljayYmKCJjbGljayI9PT10fHwibW91c2V1cCI9PT10KSlyZXR1cm4hMDtyZXR1cm4hMX0odC50eXBlLGUpKXJldHVybjtjb25zdCBpPXRoaXMuX2dldExlZ2VuZEl0ZW1BdCh0LngsdC55KTtpZigibW91c2Vtb3ZlIj09PXQudHlwZXx8Im1vdXNlb3V0Ij09PXQudHlwZSl7Y29uc3Qgbz10aGlzLl9ob3ZlcmVkSXRlbSxhPShuPWksbnVsbCE9PShzPW8pJiZudWxsIT09biYmcy5kYXRhc2V0SW5kZXg9PT1uLmRhdGFzZXRJbmRleCYmcy5pbmRleD09PW4uaW5kZXgpO28mJiFhJiZkKGUub25MZWF2ZSxbdCxvLHRoaXNdLHRoaXMpLHRoaXMuX2hvdmVyZWRJdGVtPWksaSYmIWEmJmQoZS5vbkhvdmVyLFt0LGksdGhpc10sdGhpcyl9ZWxzZSBpJiZkKGUub25DbGljayxbdCxpLHRoaXNdLHRoaXMpO3ZhciBzLG59fWZ1bmN0aW9uIHZhKHQsZSl7cmV0dXJuIGUqKHQudGV4dD90LnRleHQubGVuZ3RoOjApfXZhciBNYT17aWQ6ImxlZ2VuZCIsX2VsZW1lbnQ6eWEsc3RhcnQodCxlLGkpe2NvbnN0IHM9dC5sZWdlbmQ9bmV3IHlhKHtjdHg6dC5jdHgsb3B0aW9uczppLGNoYXJ0OnR9KTtscy5jb25maWd1cmUodCxzLGkpLGxzLmFkZEJveCh0LHMpfSxzdG9wKHQpe2xzLnJlbW92ZUJveCh0LHQubGVnZW5kKSxkZWxldGUgdC5sZWdlbmR9LGJlZm9yZVVwZGF0ZSh0LGUsaSl7Y29uc3Qgcz10LmxlZ2VuZDtscy5jb25maWd1cmUodCxzLGkpLHMub3B0aW9ucz1pfSxhZnRlclVwZGF0ZSh0KXtjb25zdCBlPXQubGVnZW5kO2UuYnVpbGRMYWJlbHMoKSxlLmFkanVzdEhpdEJveGVzKCl9LGFmdGVyRXZlbnQodCxlKXtlLnJlcGxheXx8dC5sZWdlbmQuaGFuZGxlRXZlbnQoZS5ldmVudCl9LGRlZmF1bHRzOntkaXNwbGF5OiEwLHBvc2l0aW9uOiJ0b3AiLGFsaWduOiJjZW50ZXIiLGZ1bGxTaXplOiEwLHJldmVyc2U6ITEsd2VpZ2h0OjFlMyxvbkNsaWNrKHQsZSxpKXtjb25zdCBzPWUuZGF0YXNldEluZGV4LG49aS5jaGFydDtuLmlzRGF0YXNldFZpc2libGUocyk/KG4uaGlkZShzKSxlLmhpZGRlbj0hMCk6KG4uc2hvdyhzKSxlLmhpZGRlbj0hMSl9LG9uSG92ZXI6bnVsbCxvbkxlYXZlOm51bGwsbGFiZWxzOntjb2xvcjp0PT50LmNoYXJ0Lm9wdGlvbnMuY29sb3IsYm94V2lkdGg6NDAscGFkZGluZzoxMCxnZW5lcmF0ZUxhYmVscyh0KXtjb25zdCBlPXQuZGF0YS5kYXRhc2V0cyx7bGFiZWxzOnt1c2VQb2ludFN0eWxlOmkscG9pbnRTdHlsZTpzLHRleHRBbGlnbjpuLGNvbG9yOm8sdXNlQm9yZGVyUmFkaXVzOmEsYm9yZGVyUmFkaXVzOnJ9fT10LmxlZ2VuZC5vcHRpb25zO3JldHVybiB0Ll9nZXRTb3J0ZWREYXRhc2V0TWV0YXMoKS5tYXAoKHQ9Pntjb25zdCBsPXQuY29udHJvbGxlci5nZXRTdHlsZShpPzA6dm9pZCAwKSxoPWtpKGwuYm9yZGVyV2lkdGgpO3JldHVybnt0ZXh0OmVbdC5pbmRleF0ubGFiZWwsZmlsbFN0eWxlOmwuYmFja2dyb3VuZENvbG9yLGZvbnRDb2xvcjpvLGhpZGRlbjohdC52aXNpYmxlLGxpbmVDYXA6bC5ib3JkZXJDYXBTdHlsZSxsaW5lRGFzaDpsLmJvcmRlckRhc2gsbGluZURhc2hPZmZzZXQ6bC5ib3JkZXJEYXNoT2Zmc2V0LGxpbmVKb2luOmwuYm9yZGVySm9pblN0eWxlLGxpbmVXaWR0aDooaC53aWR0aCtoLmhlaWdodCkvNCxzdHJva2VTdHlsZTpsLmJvcmRlckNvbG9yLHBvaW50U3R5bGU6c3x8bC5wb2ludFN0eWxlLHJvdGF0aW9uOmwucm90YXRpb24sdGV4dEFsaWduOm58fGwudGV4dEFsaWduLGJvcmRlclJhZGl1czphJiYocnx8bC5ib3JkZXJSYWRpdXMpLGRhdGFzZXRJbmRleDp0LmluZGV4fX0pLHRoaXMpfX0sdGl0bGU6e2NvbG9yOnQ9PnQuY2hhcnQub3B0aW9ucy5jb2xvcixkaXNwbGF5OiExLHBvc2l0aW9uOiJjZW50ZXIiLHRleHQ6IiJ9fSxkZXNjcmlwdG9yczp7X3NjcmlwdGFibGU6dD0+IXQuc3RhcnRzV2l0aCgib24iKSxsYWJlbHM6e19zY3JpcHRhYmxlOnQ9PiFbImdlbmVyYXRlTGFiZWxzIiwiZmlsdGVyIiwic29ydCJdLmluY2x1ZGVzKHQpfX19O2NsYXNzIHdhIGV4dGVuZHMgJHN7Y29uc3RydWN0b3IodCl7c3VwZXIoKSx0aGlzLmNoYXJ0PXQuY2hhcnQsdGhpcy5vcHRpb25zPXQub3B0aW9ucyx0aGlzLmN0eD10LmN0eCx0aGlzLl9wYWRkaW5nPXZvaWQgMCx0aGlzLnRvcD12b2lkIDAsdGhpcy5ib3R0b209dm9pZCAwLHRoaXMubGVmdD12b2lkIDAsdGhpcy5yaWdodD12b2lkIDAsdGhpcy53aWR0aD12b2lkIDAsdGhpcy5oZWlnaHQ9dm9pZCAwLHRoaXMucG9zaXRpb249dm9pZCAwLHRoaXMud2VpZ2h0PXZvaWQgMCx0aGlzLmZ1bGxTaXplPXZvaWQgMH11cGRhdGUodCxlKXtjb25zdCBpPXRoaXMub3B0aW9ucztpZih0aGlzLmxlZnQ9MCx0aGlzLnRvcD0wLCFpLmRpc3BsYXkpcmV0dXJuIHZvaWQodGhpcy53aWR0aD10aGlzLmhlaWdodD10aGlzLnJpZ2h0PXRoaXMuYm90dG9tPTApO3RoaXMud2lkdGg9dGhpcy5yaWdodD10LHRoaXMuaGVpZ2h0PXRoaXMuYm90dG9tPWU7Y29uc3Qgcz1uKGkudGV4dCk/aS50ZXh0Lmxlbmd0aDoxO3RoaXMuX3BhZGRpbmc9a2koaS5wYWRkaW5nKTtjb25zdCBvPXMqU2koaS5mb250KS5saW5lSGVpZ2h0K3RoaXMuX3BhZGRpbmcuaGVpZ2h0O3RoaXMuaXNIb3Jpem9udGFsKCk/dGhpcy5oZWlnaHQ9bzp0aGlzLndpZHRoPW99aXNIb3Jpem9udGFsKCl7Y29uc3QgdD10aGlzLm9wdGlvbnMucG9zaXRpb247cmV0dXJuInRvcCI9PT10fHwiYm90dG9tIj09PXR9X2RyYXdBcmdzKHQpe2NvbnN0e3RvcDplLGxlZnQ6aSxib3R0b206cyxyaWdodDpuLG9wdGlvbnM6b309dGhpcyxhPW8uYWxpZ247bGV0IHIsbCxoLGM9MDtyZXR1cm4gdGhpcy5pc0hvcml6b250YWwoKT8obD1mdChhLGksbiksaD1lK3Qscj1uLWkpOigibGVmdCI9PT1vLnBvc2l0aW9uPyhsPWkrdCxoPWZ0KGEscyxlKSxjPS0uNSpDKToobD1uLXQsaD1mdChhLGUscyksYz0uNSpDKSxyPXMtZSkse3RpdGxlWDpsLHRpdGxlWTpoLG1heFdpZHRoOnIscm90YXRpb246Y319ZHJhdygpe2NvbnN0IHQ9dGhpcy5jdHgsZT10aGlzLm9wdGlvbnM7aWYoIWUuZGlzcGxheSlyZXR1cm47Y29uc3QgaT1TaShlLmZvbnQpLHM9aS5saW5lSGVpZ2h0LzIrdGhpcy5fcGFkZGluZy50b3Ase3RpdGxlWDpuLHRpdGxlWTpvLG1heFdpZHRoOmEscm90YXRpb246cn09dGhpcy5fZHJhd0FyZ3Mocyk7V2UodCxlLnRleHQsMCwwLGkse2NvbG9yOmUuY29sb3IsbWF4V2lkdGg6YSxyb3RhdGlvbjpyLHRleHRBbGlnbjp1dChlLmFsaWduKSx0ZXh0QmFzZWxpbmU6Im1pZGRsZSIsdHJhbnNsYXRpb246W24sb119KX19dmFyIGthPXtpZDoidGl0bGUiLF9lbGVtZW50OndhLHN0YXJ0KHQsZSxpKXshZnVuY3Rpb24odCxlKXtjb25zdCBpPW5ldyB3YSh7Y3R4OnQuY3R4LG9wdGlvbnM6ZSxjaGFydDp0fSk7bHMuY29uZmlndXJlKHQsaSxlKSxscy5hZGRCb3godCxpKSx0LnRpdGxlQmxvY2s9aX0odCxpKX0sc3RvcCh0KXtjb25zdCBlPXQudGl0bGVCbG9jaztscy5yZW1vdmVCb3godCxlKSxkZWxldGUgdC50aXRsZUJsb2NrfSxiZWZvcmVVcGRhdGUodCxlLGkpe2NvbnN0IHM9dC50aXRsZUJsb2NrO2xzLmNvbmZpZ3VyZSh0LHMsaSkscy5vcHRpb25zPWl9LGRlZmF1bHRzOnthbGlnbjoiY2VudGVyIixkaXNwbGF5OiExLGZvbnQ6e3dlaWdodDoiYm9sZCJ9LGZ1bGxTaXplOiEwLHBhZGRpbmc6MTAscG9zaXRpb246InRvcCIsdGV4dDoiIix3ZWlnaHQ6MmUzfSxkZWZhdWx0Um91dGVzOntjb2xvcjoiY29sb3IifSxkZXNjcmlwdG9yczp7X3NjcmlwdGFibGU6ITAsX2luZGV4YWJsZTohMX19O2NvbnN0IFNhPW5ldyBXZWFrTWFwO3ZhciBQYT17aWQ6InN1YnRpdGxlIixzdGFydCh0LGUsaSl7Y29uc3Qgcz1uZXcgd2Eoe2N0eDp0LmN0eCxvcHRpb25zOmksY2hhcnQ6dH0pO2xzLmNvbmZpZ3VyZSh0LHMsaSksbHMuYWRkQm94KHQscyksU2Euc2V0KHQscyl9LHN0b3AodCl7bHMucmVtb3ZlQm94KHQsU2EuZ2V0KHQpKSxTYS5kZWxldGUodCl9LGJlZm9yZVVwZGF0ZSh0LGUsaSl7Y29uc3Qgcz1TYS5nZXQodCk7bHMuY29uZmlndXJlKHQscyxpKSxzLm9wdGlvbnM9aX0sZGVmYXVsdHM6e2FsaWduOiJjZW50ZXIiLGRpc3BsYXk6ITEsZm9udDp7d2VpZ2h0OiJub3JtYWwifSxmdWxsU2l6ZTohMCxwYWRkaW5nOjAscG9zaXRpb246InRvcCIsdGV4dDoiIix3ZWlnaHQ6MTUwMH0sZGVmYXVsdFJvdXRlczp7Y29sb3I6ImNvbG9yIn0sZGVzY3JpcHRvcnM6e19zY3JpcHRhYmxlOiEwLF9pbmRleGFibGU6ITF9fTtjb25zdCBEYT17YXZlcmFnZSh0KXtpZighdC5sZW5ndGgpcmV0dXJuITE7bGV0IGUsaSxzPW5ldyBTZXQsbj0wLG89MDtmb3IoZT0wLGk9dC5sZW5ndGg7ZTxpOysrZSl7Y29uc3QgaT10W2VdLmVsZW1lbnQ7aWYoaSYmaS5oYXNWYWx1ZSgpKXtjb25zdCB0PWkudG9vbHRpcFBvc2l0aW9uKCk7cy5hZGQodC54KSxuKz10LnksKytvfX1pZigwPT09b3x8MD09PXMuc2l6ZSlyZXR1cm4hMTtyZXR1cm57eDpbLi4uc10ucmVkdWNlKCgodCxlKT0+dCtlKSkvcy5zaXplLHk6bi9vfX0sbmVhcmVzdCh0LGUpe2lmKCF0Lmxlbmd0aClyZXR1cm4hMTtsZXQgaSxzLG4sbz1lLngsYT1lLnkscj1OdW1iZXIuUE9TSVRJVkVfSU5GSU5JVFk7Zm9yKGk9MCxzPXQubGVuZ3RoO2k8czsrK2kpe2NvbnN0IHM9dFtpXS5lbGVtZW50O2lmKHMmJnMuaGFzVmFsdWUoKSl7Y29uc3QgdD1xKGUscy5nZXRDZW50ZXJQb2ludCgpKTt0PHImJihyPXQsbj1zKX19aWYobil7Y29uc3QgdD1uLnRvb2x0aXBQb3NpdGlvbigpO289dC54LGE9dC55fXJldHVybnt4Om8seTphfX19O2Z1bmN0aW9uIENhKHQsZSl7cmV0dXJuIGUmJihuKGUpP0FycmF5LnByb3RvdHlwZS5wdXNoLmFwcGx5KHQsZSk6dC5wdXNoKGUpKSx0fWZ1bmN0aW9uIE9hKHQpe3JldHVybigic3RyaW5nIj09dHlwZW9mIHR8fHQgaW5zdGFuY2VvZiBTdHJpbmcpJiZ0LmluZGV4T2YoIlxuIik+LTE/dC5zcGxpdCgiXG4iKTp0fWZ1bmN0aW9uIEFhKHQsZSl7Y29uc3R7ZWxlbWVudDppLGRhdGFzZXRJbmRleDpzLGluZGV4Om59PWUsbz10LmdldERhdGFzZXRNZXRhKHMpLmNvbnRyb2xsZXIse2xhYmVsOmEsdmFsdWU6cn09by5nZXRMYWJlbEFuZFZhbHVlKG4pO3JldHVybntjaGFydDp0LGxhYmVsOmEscGFyc2VkOm8uZ2V0UGFyc2VkKG4pLHJhdzp0LmRhdGEuZGF0YXNldHNbc10uZGF0YVtuXSxmb3JtYXR0ZWRWYWx1ZTpyLGRhdGFzZXQ6by5nZXREYXRhc2V0KCksZGF0YUluZGV4Om4sZGF0YXNldEluZGV4OnMsZWxlbWVudDppfX1mdW5jdGlvbiBUYSh0LGUpe2NvbnN0IGk9dC5jaGFydC5jdHgse2JvZHk6cyxmb290ZXI6bix0aXRsZTpvfT10LHtib3hXaWR0aDphLGJveEhlaWdodDpyfT1lLGw9U2koZS5ib2R5Rm9udCksaD1TaShlLnRpdGxlRm9udCksYz1TaShlLmZvb3RlckZvbnQpLGQ9by5sZW5ndGgsZj1uLmxlbmd0aCxnPXMubGVuZ3RoLHA9a2koZS5wYWRkaW5nKTtsZXQgbT1wLmhlaWdodCx4PTAsYj1zLnJlZHVjZSgoKHQsZSk9PnQrZS5iZWZvcmUubGVuZ3RoK2UubGluZXMubGVuZ3RoK2UuYWZ0ZXIubGVuZ3RoKSwwKTtpZihiKz10LmJlZm9yZUJvZHkubGVuZ3RoK3QuYWZ0ZXJCb2R5Lmxlbmd0aCxkJiYobSs9ZCpoLmxpbmVIZWlnaHQrKGQtMSkqZS50aXRsZVNwYWNpbmcrZS50aXRsZU1hcmdpbkJvdHRvbSksYil7bSs9ZyooZS5kaXNwbGF5Q29sb3JzP01hdGgubWF4KHIsbC5saW5lSGVpZ2h0KTpsLmxpbmVIZWlnaHQpKyhiLWcpKmwubGluZUhlaWdodCsoYi0xKSplLmJvZHlTcGFjaW5nfWYmJihtKz1lLmZvb3Rlck1hcmdpblRvcCtmKmMubGluZUhlaWdodCsoZi0xKSplLmZvb3RlclNwYWNpbmcpO2xldCBfPTA7Y29uc3QgeT1mdW5jdGlvbih0KXt4PU1hdGgubWF4KHgsaS5tZWFzdXJlVGV4dCh0KS53aWR0aCtfKX07cmV0dXJuIGkuc2F2ZSgpLGkuZm9udD1oLnN0cmluZyx1KHQudGl0bGUseSksaS5mb250PWwuc3RyaW5nLHUodC5iZWZvcmVCb2R5LmNvbmNhdCh0LmFmdGVyQm9keSkseSksXz1lLmRpc3BsYXlDb2xvcnM/YSsyK2UuYm94UGFkZGluZzowLHUocywodD0+e3UodC5iZWZvcmUseSksdSh0LmxpbmVzLHkpLHUodC5hZnRlcix5KX0pKSxfPTAsaS5mb250PWMuc3RyaW5nLHUodC5mb290ZXIseSksaS5yZXN0b3JlKCkseCs9cC53aWR0aCx7d2lkdGg6eCxoZWlnaHQ6bX19ZnVuY3Rpb24gTGEodCxlLGkscyl7Y29uc3R7eDpuLHdpZHRoOm99PWkse3dpZHRoOmEsY2hhcnRBcmVhOntsZWZ0OnIscmlnaHQ6bH19PXQ7bGV0IGg9ImNlbnRlciI7cmV0dXJuImNlbnRlciI9PT1zP2g9bjw9KHIrbCkvMj8ibGVmdCI6InJpZ2h0IjpuPD1vLzI/aD0ibGVmdCI6bj49YS1vLzImJihoPSJyaWdodCIpLGZ1bmN0aW9uKHQsZSxpLHMpe2NvbnN0e3g6bix3aWR0aDpvfT1zLGE9aS5jYXJldFNpemUraS5jYXJldFBhZGRpbmc7cmV0dXJuImxlZnQiPT09dCYmbitvK2E+ZS53aWR0aHx8InJpZ2h0Ij09PXQmJm4tby1hPDB8fHZvaWQgMH0oaCx0LGUsaSkmJihoPSJjZW50ZXIiKSxofWZ1bmN0aW9uIEVhKHQsZSxpKXtjb25zdCBzPWkueUFsaWdufHxlLnlBbGlnbnx8ZnVuY3Rpb24odCxlKXtjb25zdHt5OmksaGVpZ2h0OnN9PWU7cmV0dXJuIGk8cy8yPyJ0b3AiOmk+dC5oZWlnaHQtcy8yPyJib3R0b20iOiJjZW50ZXIifSh0LGkpO3JldHVybnt4QWxpZ246aS54QWxpZ258fGUueEFsaWdufHxMYSh0LGUsaSxzKSx5QWxpZ246c319ZnVuY3Rpb24gUmEodCxlLGkscyl7Y29uc3R7Y2FyZXRTaXplOm4sY2FyZXRQYWRkaW5nOm8sY29ybmVyUmFkaXVzOmF9PXQse3hBbGlnbjpyLHlBbGlnbjpsfT1pLGg9bitvLHt0b3BMZWZ0OmMsdG9wUmlnaHQ6ZCxib3R0b21MZWZ0OnUsYm90dG9tUmlnaHQ6Zn09d2koYSk7bGV0IGc9ZnVuY3Rpb24odCxlKXtsZXR7eDppLHdpZHRoOnN9PXQ7cmV0dXJuInJpZ2h0Ij09PWU/aS09czoiY2VudGVyIj09PWUmJihpLT1zLzIpLGl9KGUscik7Y29uc3QgcD1mdW5jdGlvbih0LGUsaSl7bGV0e3k6cyxoZWlnaHQ6bn09dDtyZXR1cm4idG9wIj09PWU/cys9aTpzLT0iYm90dG9tIj09PWU/bitpOm4vMixzfShlLGwsaCk7cmV0dXJuImNlbnRlciI9PT1sPyJsZWZ0Ij09PXI/Zys9aDoicmlnaHQiPT09ciYmKGctPWgpOiJsZWZ0Ij09PXI/Zy09TWF0aC5tYXgoYyx1KStuOiJyaWdodCI9PT1yJiYoZys9TWF0aC5tYXgoZCxmKStuKSx7eDpaKGcsMCxzLndpZHRoLWUud2lkdGgpLHk6WihwLDAscy5oZWlnaHQtZS5oZWlnaHQpfX1mdW5jdGlvbiBJYSh0LGUsaSl7Y29uc3Qgcz1raShpLnBhZGRpbmcpO3JldHVybiJjZW50ZXIiPT09ZT90LngrdC53aWR0aC8yOiJyaWdodCI9PT1lP3QueCt0LndpZHRoLXMucmlnaHQ6dC54K3MubGVmdH1mdW5jdGlvbiB6YSh0KXtyZXR1cm4gQ2EoW10sT2EodCkpfWZ1bmN0aW9uIEZhKHQsZSl7Y29uc3QgaT1lJiZlLmRhdGFzZXQmJmUuZGF0YXNldC50b29sdGlwJiZlLmRhdGFzZXQudG9vbHRpcC5jYWxsYmFja3M7cmV0dXJuIGk/dC5vdmVycmlkZShpKTp0fWNvbnN0IFZhPXtiZWZvcmVUaXRsZTplLHRpdGxlKHQpe2lmKHQubGVuZ3RoPjApe2NvbnN0IGU9dFswXSxpPWUuY2hhcnQuZGF0YS5sYWJlbHMscz1pP2kubGVuZ3RoOjA7aWYodGhpcyYmdGhpcy5vcHRpb25zJiYiZGF0YXNldCI9PT10aGlzLm9wdGlvbnMubW9kZSlyZXR1cm4gZS5kYXRhc2V0LmxhYmVsfHwiIjtpZihlLmxhYmVsKXJldHVybiBlLmxhYmVsO2lmKHM+MCYmZS5kYXRhSW5kZXg8cylyZXR1cm4gaVtlLmRhdGFJbmRleF19cmV0dXJuIiJ9LGFmdGVyVGl0bGU6ZSxiZWZvcmVCb2R5OmUsYmVmb3JlTGFiZWw6ZSxsYWJlbCh0KXtpZih0aGlzJiZ0aGlzLm9wdGlvbnMmJiJkYXRhc2V0Ij09PXRoaXMub3B0aW9ucy5tb2RlKXJldHVybiB0LmxhYmVsKyI6ICIrdC5mb3JtYXR0ZWRWYWx1ZXx8dC5mb3JtYXR0ZWRWYWx1ZTtsZXQgZT10LmRhdGFzZXQubGFiZWx8fCIiO2UmJihlKz0iOiAiKTtjb25zdCBpPXQuZm9ybWF0dGVkVmFsdWU7cmV0dXJuIHMoaSl8fChlKz1pKSxlfSxsYWJlbENvbG9yKHQpe2NvbnN0IGU9dC5jaGFydC5nZXREYXRhc2V0TWV0YSh0LmRhdGFzZXRJbmRleCkuY29udHJvbGxlci5nZXRTdHlsZSh0LmRhdGFJbmRleCk7cmV0dXJue2JvcmRlckNvbG9yOmUuYm9yZGVyQ29sb3IsYmFja2dyb3VuZENvbG9yOmUuYmFja2dyb3VuZENvbG9yLGJvcmRlcldpZHRoOmUuYm9yZGVyV2lkdGgsYm9yZGVyRGFzaDplLmJvcmRlckRhc2gsYm9yZGVyRGFzaE9mZnNldDplLmJvcmRlckRhc2hPZmZzZXQsYm9yZGVyUmFkaXVzOjB9fSxsYWJlbFRleHRDb2xvcigpe3JldHVybiB0aGlzLm9wdGlvbnMuYm9keUNvbG9yfSxsYWJlbFBvaW50U3R5bGUodCl7Y29uc3QgZT10LmNoYXJ0LmdldERhdGFzZXRNZXRhKHQuZGF0YXNldEluZGV4KS5jb250cm9sbGVyLmdldFN0eWxlKHQuZGF0YUluZGV4KTtyZXR1cm57cG9pbnRTdHlsZTplLnBvaW50U3R5bGUscm90YXRpb246ZS5yb3RhdGlvbn19LGFmdGVyTGFiZWw6ZSxhZnRlckJvZHk6ZSxiZWZvcmVGb290ZXI6ZSxmb290ZXI6ZSxhZnRlckZvb3RlcjplfTtmdW5jdGlvbiBCYSh0LGUsaSxzKXtjb25zdCBuPXRbZV0uY2FsbChpLHMpO3JldHVybiB2b2lkIDA9PT1uP1ZhW2VdLmNhbGwoaSxzKTpufWNsYXNzIE5hIGV4dGVuZHMgJHN7c3RhdGljIHBvc2l0aW9uZXJzPURhO2NvbnN0cnVjdG9yKHQpe3N1cGVyKCksdGhpcy5vcGFjaXR5PTAsdGhpcy5fYWN0aXZlPVtdLHRoaXMuX2V2ZW50UG9zaXRpb249dm9pZCAwLHRoaXMuX3NpemU9dm9pZCAwLHRoaXMuX2NhY2hlZEFuaW1hdGlvbnM9dm9pZCAwLHRoaXMuX3Rvb2x0aXBJdGVtcz1bXSx0aGlzLiRhbmltYXRpb25zPXZvaWQgMCx0aGlzLiRjb250ZXh0PXZvaWQgMCx0aGlzLmNoYXJ0PXQuY2hhcnQsdGhpcy5vcHRpb25zPXQub3B0aW9ucyx0aGlzLmRhdGFQb2ludHM9dm9pZCAwLHRoaXMudGl0bGU9dm9pZCAwLHRoaXMuYmVmb3JlQm9keT12b2lkIDAsdGhpcy5ib2R5PXZvaWQgMCx0aGlzLmFmdGVyQm9keT12b2lkIDAsdGhpcy5mb290ZXI9dm9pZCAwLHRoaXMueEFsaWduPXZvaWQgMCx0aGlzLnlBbGlnbj12b2lkIDAsdGhpcy54PXZvaWQgMCx0aGlzLnk9dm9pZCAwLHRoaXMuaGVpZ2h0PXZvaWQgMCx0aGlzLndpZHRoPXZvaWQgMCx0aGlzLmNhcmV0WD12b2lkIDAsdGhpcy5jYXJldFk9dm9pZCAwLHRoaXMubGFiZWxDb2xvcnM9dm9pZCAwLHRoaXMubGFiZWxQb2ludFN0eWxlcz12b2lkIDAsdGhpcy5sYWJlbFRleHRDb2xvcnM9dm9pZCAwfWluaXRpYWxpemUodCl7dGhpcy5vcHRpb25zPXQsdGhpcy5fY2FjaGVkQW5pbWF0aW9ucz12b2lkIDAsdGhpcy4kY29udGV4dD12b2lkIDB9X3Jlc29sdmVBbmltYXRpb25zKCl7Y29uc3QgdD10aGlzLl9jYWNoZWRBbmltYXRpb25zO2lmKHQpcmV0dXJuIHQ7Y29uc3QgZT10aGlzLmNoYXJ0LGk9dGhpcy5vcHRpb25zLnNldENvbnRleHQodGhpcy5nZXRDb250ZXh0KCkpLHM9aS5lbmFibGVkJiZlLm9wdGlvbnMuYW5pbWF0aW9uJiZpLmFuaW1hdGlvbnMsbj1uZXcgVHModGhpcy5jaGFydCxzKTtyZXR1cm4gcy5fY2FjaGVhYmxlJiYodGhpcy5fY2FjaGVkQW5pbWF0aW9ucz1PYmplY3QuZnJlZXplKG4pKSxufWdldENvbnRleHQoKXtyZXR1cm4gdGhpcy4kY29udGV4dHx8KHRoaXMuJGNvbnRleHQ9KHQ9dGhpcy5jaGFydC5nZXRDb250ZXh0KCksZT10aGlzLGk9dGhpcy5fdG9vbHRpcEl0ZW1zLENpKHQse3Rvb2x0aXA6ZSx0b29sdGlwSXRlbXM6aSx0eXBlOiJ0b29sdGlwIn0pKSk7dmFyIHQsZSxpfWdldFRpdGxlKHQsZSl7Y29uc3R7Y2FsbGJhY2tzOml9PWUscz1CYShpLCJiZWZvcmVUaXRsZSIsdGhpcyx0KSxuPUJhKGksInRpdGxlIix0aGlzLHQpLG89QmEoaSwiYWZ0ZXJUaXRsZSIsdGhpcyx0KTtsZXQgYT1bXTtyZXR1cm4gYT1DYShhLE9hKHMpKSxhPUNhKGEsT2EobikpLGE9Q2EoYSxPYShvKSksYX1nZXRCZWZvcmVCb2R5KHQsZSl7cmV0dXJuIHphKEJhKGUuY2FsbGJhY2tzLCJiZWZvcmVCb2R5Iix0aGlzLHQpKX1nZXRCb2R5KHQsZSl7Y29uc3R7Y2FsbGJhY2tzOml9PWUscz1bXTtyZXR1cm4gdSh0LCh0PT57Y29uc3QgZT17YmVmb3JlOltdLGxpbmVzOltdLGFmdGVyOltdfSxuPUZhKGksdCk7Q2EoZS5iZWZvcmUsT2EoQmEobiwiYmVmb3JlTGFiZWwiLHRoaXMsdCkpKSxDYShlLmxpbmVzLEJhKG4sImxhYmVsIix0aGlzLHQpKSxDYShlLmFmdGVyLE9hKEJhKG4sImFmdGVyTGFiZWwiLHRoaXMsdCkpKSxzLnB1c2goZSl9KSksc31nZXRBZnRlckJvZHkodCxlKXtyZXR1cm4gemEoQmEoZS5jYWxsYmFja3MsImFmdGVyQm9keSIsdGhpcyx0KSl9Z2V0Rm9vdGVyKHQsZSl7Y29uc3R7Y2FsbGJhY2tzOml9PWUscz1CYShpLCJiZWZvcmVGb290ZXIiLHRoaXMsdCksbj1CYShpLCJmb290ZXIiLHRoaXMsdCksbz1CYShpLCJhZnRlckZvb3RlciIsdGhpcyx0KTtsZXQgYT1bXTtyZXR1cm4gYT1DYShhLE9hKHMpKSxhPUNhKGEsT2EobikpLGE9Q2EoYSxPYShvKSksYX1fY3JlYXRlSXRlbXModCl7Y29uc3QgZT10aGlzLl9hY3RpdmUsaT10aGlzLmNoYXJ0LmRhdGEscz1bXSxuPVtdLG89W107bGV0IGEscixsPVtdO2ZvcihhPTAscj1lLmxlbmd0aDthPHI7KythKWwucHVzaChBYSh0aGlzLmNoYXJ0LGVbYV0pKTtyZXR1cm4gdC5maWx0ZXImJihsPWwuZmlsdGVyKCgoZSxzLG4pPT50LmZpbHRlcihlLHMsbixpKSkpKSx0Lml0ZW1Tb3J0JiYobD1sLnNvcnQoKChlLHMpPT50Lml0ZW1Tb3J0KGUscyxpKSkpKSx1KGwsKGU9Pntjb25zdCBpPUZhKHQuY2FsbGJhY2tzLGUpO3MucHVzaChCYShpLCJsYWJlbENvbG9yIix0aGlzLGUpKSxuLnB1c2goQmEoaSwibGFiZWxQb2ludFN0eWxlIix0aGlzLGUpKSxvLnB1c2goQmEoaSwibGFiZWxUZXh0Q29sb3IiLHRoaXMsZSkpfSkpLHRoaXMubGFiZWxDb2xvcnM9cyx0aGlzLmxhYmVsUG9pbnRTdHlsZXM9bix0aGlzLmxhYmVsVGV4dENvbG9ycz1vLHRoaXMuZGF0YVBvaW50cz1sLGx9dXBkYXRlKHQsZSl7Y29uc3QgaT10aGlzLm9wdGlvbnMuc2V0Q29udGV4dCh0aGlzLmdldENvbnRleHQoKSkscz10aGlzLl9hY3RpdmU7bGV0IG4sbz1bXTtpZihzLmxlbmd0aCl7Y29uc3QgdD1EYVtpLnBvc2l0aW9uXS5jYWxsKHRoaXMscyx0aGlzLl9ldmVudFBvc2l0aW9uKTtvPXRoaXMuX2NyZWF0ZUl0ZW1zKGkpLHRoaXMudGl0bGU9dGhpcy5nZXRUaXRsZShvLGkpLHRoaXMuYmVmb3JlQm9keT10aGlzLmdldEJlZm9yZUJvZHkobyxpKSx0aGlzLmJvZHk9dGhpcy5nZXRCb2R5KG8saSksdGhpcy5hZnRlckJvZHk9dGhpcy5nZXRBZnRlckJvZHkobyxpKSx0aGlzLmZvb3Rlcj10aGlzLmdldEZvb3RlcihvLGkpO2NvbnN0IGU9dGhpcy5fc2l6ZT1UYSh0aGlzLGkpLGE9T2JqZWN0LmFzc2lnbih7fSx0LGUpLHI9RWEodGhpcy5jaGFydCxpLGEpLGw9UmEoaSxhLHIsdGhpcy5jaGFydCk7dGhpcy54QWxpZ249ci54QWxpZ24sdGhpcy55QWxpZ249ci55QWxpZ24sbj17b3BhY2l0eToxLHg6bC54LHk6bC55LHdpZHRoOmUud2lkdGgsaGVpZ2h0OmUuaGVpZ2h0LGNhcmV0WDp0LngsY2FyZXRZOnQueX19ZWxzZSAwIT09dGhpcy5vcGFjaXR5JiYobj17b3BhY2l0eTowfSk7dGhpcy5fdG9vbHRpcEl0ZW1zPW8sdGhpcy4kY29udGV4dD12b2lkIDAsbiYmdGhpcy5fcmVzb2x2ZUFuaW1hdGlvbnMoKS51cGRhdGUodGhpcyxuKSx0JiZpLmV4dGVybmFsJiZpLmV4dGVybmFsLmNhbGwodGhpcyx7Y2hhcnQ6dGhpcy5jaGFydCx0b29sdGlwOnRoaXMscmVwbGF5OmV9KX1kcmF3Q2FyZXQodCxlLGkscyl7Y29uc3Qgbj10aGlzLmdldENhcmV0UG9zaXRpb24odCxpLHMpO2UubGluZVRvKG4ueDEsbi55MSksZS5saW5lVG8obi54MixuLnkyKSxlLmxpbmVUbyhuLngzLG4ueTMpfWdldENhcmV0UG9zaXRpb24odCxlLGkpe2NvbnN0e3hBbGlnbjpzLHlBbGlnbjpufT10aGlzLHtjYXJldFNpemU6byxjb3JuZXJSYWRpdXM6YX09aSx7dG9wTGVmdDpyLHRvcFJpZ2h0OmwsYm90dG9tTGVmdDpoLGJvdHRvbVJpZ2h0OmN9PXdpKGEpLHt4OmQseTp1fT10LHt3aWR0aDpmLGhlaWdodDpnfT1lO2xldCBwLG0seCxiLF8seTtyZXR1cm4iY2VudGVyIj09PW4/KF89dStnLzIsImxlZnQiPT09cz8ocD1kLG09cC1vLGI9XytvLHk9Xy1vKToocD1kK2YsbT1wK28sYj1fLW8seT1fK28pLHg9cCk6KG09ImxlZnQiPT09cz9kK01hdGgubWF4KHIsaCkrbzoicmlnaHQiPT09cz9kK2YtTWF0aC5tYXgobCxjKS1vOnRoaXMuY2FyZXRYLCJ0b3AiPT09bj8oYj11LF89Yi1vLHA9bS1vLHg9bStvKTooYj11K2csXz1iK28scD1tK28seD1tLW8pLHk9Yikse3gxOnAseDI6bSx4Mzp4LHkxOmIseTI6Xyx5Mzp5fX1kcmF3VGl0bGUodCxlLGkpe2NvbnN0IHM9dGhpcy50aXRsZSxuPXMubGVuZ3RoO2xldCBvLGEscjtpZihuKXtjb25zdCBsPU9pKGkucnRsLHRoaXMueCx0aGlzLndpZHRoKTtmb3IodC54PUlhKHRoaXMsaS50aXRsZUFsaWduLGkpLGUudGV4dEFsaWduPWwudGV4dEFsaWduKGkudGl0bGVBbGlnbiksZS50ZXh0QmFzZWxpbmU9Im1pZGRsZSIsbz1TaShpLnRpdGxlRm9udCksYT1pLnRpdGxlU3BhY2luZyxlLmZpbGxTdHlsZT1pLnRpdGxlQ29sb3IsZS5mb250PW8uc3RyaW5nLHI9MDtyPG47KytyKWUuZmlsbFRleHQoc1tyXSxsLngodC54KSx0Lnkrby5saW5lSGVpZ2h0LzIpLHQueSs9by5saW5lSGVpZ2h0K2EscisxPT09biYmKHQueSs9aS50aXRsZU1hcmdpbkJvdHRvbS1hKX19X2RyYXdDb2xvckJveCh0LGUsaSxzLG4pe2NvbnN0IGE9dGhpcy5sYWJlbENvbG9yc1tpXSxyPXRoaXMubGFiZWxQb2ludFN0eWxlc1tpXSx7Ym94SGVpZ2h0OmwsYm94V2lkdGg6aH09bixjPVNpKG4uYm9keUZvbnQpLGQ9SWEodGhpcywibGVmdCIsbiksdT1zLngoZCksZj1sPGMubGluZUhlaWdodD8oYy5saW5lSGVpZ2h0LWwpLzI6MCxnPWUueStmO2lmKG4udXNlUG9pbnRTdHlsZSl7Y29uc3QgZT17cmFkaXVzOk1hdGgubWluKGgsbCkvMixwb2ludFN0eWxlOnIucG9pbnRTdHlsZSxyb3RhdGlvbjpyLnJvdGF0aW9uLGJvcmRlcldpZHRoOjF9LGk9cy5sZWZ0Rm9yTHRyKHUsaCkraC8yLG89ZytsLzI7dC5zdHJva2VTdHlsZT1uLm11bHRpS2V5QmFja2dyb3VuZCx0LmZpbGxTdHlsZT1uLm11bHRpS2V5QmFja2dyb3VuZCxMZSh0LGUsaSxvKSx0LnN0cm9rZVN0eWxlPWEuYm9yZGVyQ29sb3IsdC5maWxsU3R5bGU9YS5iYWNrZ3JvdW5kQ29sb3IsTGUodCxlLGksbyl9ZWxzZXt0LmxpbmVXaWR0aD1vKGEuYm9yZGVyV2lkdGgpP01hdGgubWF4KC4uLk9iamVjdC52YWx1ZXMoYS5ib3JkZXJXaWR0aCkpOmEuYm9yZGVyV2lkdGh8fDEsdC5zdHJva2VTdHlsZT1hLmJvcmRlckNvbG9yLHQuc2V0TGluZURhc2goYS5ib3JkZXJEYXNofHxbXSksdC5saW5lRGFzaE9mZnNldD1hLmJvcmRlckRhc2hPZmZzZXR8fDA7Y29uc3QgZT1zLmxlZnRGb3JMdHIodSxoKSxpPXMubGVmdEZvckx0cihzLnhQbHVzKHUsMSksaC0yKSxyPXdpKGEuYm9yZGVyUmFkaXVzKTtPYmplY3QudmFsdWVzKHIpLnNvbWUoKHQ9PjAhPT10KSk/KHQuYmVnaW5QYXRoKCksdC5maWxsU3R5bGU9bi5tdWx0aUtleUJhY2tncm91bmQsSGUodCx7eDplLHk6Zyx3OmgsaDpsLHJhZGl1czpyfSksdC5maWxsKCksdC5zdHJva2UoKSx0LmZpbGxTdHlsZT1hLmJhY2tncm91bmRDb2xvcix0LmJlZ2luUGF0aCgpLEhlKHQse3g6aSx5OmcrMSx3OmgtMixoOmwtMixyYWRpdXM6cn0pLHQuZmlsbCgpKToodC5maWxsU3R5bGU9bi5tdWx0aUtleUJhY2tncm91bmQsdC5maWxsUmVjdChlLGcsaCxsKSx0LnN0cm9rZVJlY3QoZSxnLGgsbCksdC5maWxsU3R5bGU9YS5iYWNrZ3JvdW5kQ29sb3IsdC5maWxsUmVjdChpLGcrMSxoLTIsbC0yKSl9dC5maWxsU3R5bGU9dGhpcy5sYWJlbFRleHRDb2xvcnNbaV19ZHJhd0JvZHkodCxlLGkpe2NvbnN0e2JvZHk6c309dGhpcyx7Ym9keVNwYWNpbmc6bixib2R5QWxpZ246byxkaXNwbGF5Q29sb3JzOmEsYm94SGVpZ2h0OnIsYm94V2lkdGg6bCxib3hQYWRkaW5nOmh9PWksYz1TaShpLmJvZHlGb250KTtsZXQgZD1jLmxpbmVIZWlnaHQsZj0wO2NvbnN0IGc9T2koaS5ydGwsdGhpcy54LHRoaXMud2lkdGgpLHA9ZnVuY3Rpb24oaSl7ZS5maWxsVGV4dChpLGcueCh0LngrZiksdC55K2QvMiksdC55Kz1kK259LG09Zy50ZXh0QWxpZ24obyk7bGV0IHgsYixfLHksdixNLHc7Zm9yKGUudGV4dEFsaWduPW8sZS50ZXh0QmFzZWxpbmU9Im1pZGRsZSIsZS5mb250PWMuc3RyaW5nLHQueD1JYSh0aGlzLG0saSksZS5maWxsU3R5bGU9aS5ib2R5Q29sb3IsdSh0aGlzLmJlZm9yZUJvZHkscCksZj1hJiYicmlnaHQiIT09bT8iY2VudGVyIj09PW8/bC8yK2g6bCsyK2g6MCx5PTAsTT1zLmxlbmd0aDt5PE07Kyt5KXtmb3IoeD1zW3ldLGI9dGhpcy5sYWJlbFRleHRDb2xvcnNbeV0sZS5maWxsU3R5bGU9Yix1KHguYmVmb3JlLHApLF89eC5saW5lcyxhJiZfLmxlbmd0aCYmKHRoaXMuX2RyYXdDb2xvckJveChlLHQseSxnLGkpLGQ9TWF0aC5tYXgoYy5saW5lSGVpZ2h0LHIpKSx2PTAsdz1fLmxlbmd0aDt2PHc7Kyt2KXAoX1t2XSksZD1jLmxpbmVIZWlnaHQ7dSh4LmFmdGVyLHApfWY9MCxkPWMubGluZUhlaWdodCx1KHRoaXMuYWZ0ZXJCb2R5LHApLHQueS09bn1kcmF3Rm9vdGVyKHQsZSxpKXtjb25zdCBzPXRoaXMuZm9vdGVyLG49cy5sZW5ndGg7bGV0IG8sYTtpZihuKXtjb25zdCByPU9pKGkucnRsLHRoaXMueCx0aGlzLndpZHRoKTtmb3IodC54PUlhKHRoaXMsaS5mb290ZXJBbGlnbixpKSx0LnkrPWkuZm9vdGVyTWFyZ2luVG9wLGUudGV4dEFsaWduPXIudGV4dEFsaWduKGkuZm9vdGVyQWxpZ24pLGUudGV4dEJhc2VsaW5lPSJtaWRkbGUiLG89U2koaS5mb290ZXJGb250KSxlLmZpbGxTdHlsZT1pLmZvb3RlckNvbG9yLGUuZm9udD1vLnN0cmluZyxhPTA7YTxuOysrYSllLmZpbGxUZXh0KHNbYV0sci54KHQueCksdC55K28ubGluZUhlaWdodC8yKSx0LnkrPW8ubGluZUhlaWdodCtpLmZvb3RlclNwYWNpbmd9fWRyYXdCYWNrZ3JvdW5kKHQsZSxpLHMpe2NvbnN0e3hBbGlnbjpuLHlBbGlnbjpvfT10aGlzLHt4OmEseTpyfT10LHt3aWR0aDpsLGhlaWdodDpofT1pLHt0b3BMZWZ0OmMsdG9wUmlnaHQ6ZCxib3R0b21MZWZ0OnUsYm90dG9tUmlnaHQ6Zn09d2kocy5jb3JuZXJSYWRpdXMpO2UuZmlsbFN0eWxlPXMuYmFja2dyb3VuZENvbG9yLGUuc3Ryb2tlU3R5bGU9cy5ib3JkZXJDb2xvcixlLmxpbmVXaWR0aD1zLmJvcmRlcldpZHRoLGUuYmVnaW5QYXRoKCksZS5tb3ZlVG8oYStjLHIpLCJ0b3AiPT09byYmdGhpcy5kcmF3Q2FyZXQodCxlLGkscyksZS5saW5lVG8oYStsLWQsciksZS5xdWFkcmF0aWNDdXJ2ZVRvKGErbCxyLGErbCxyK2QpLCJjZW50ZXIiPT09byYmInJpZ2h0Ij09PW4mJnRoaXMuZHJhd0NhcmV0KHQsZSxpLHMpLGUubGluZVRvKGErbCxyK2gtZiksZS5xdWFkcmF0aWNDdXJ2ZVRvKGErbCxyK2gsYStsLWYscitoKSwiYm90dG9tIj09PW8mJnRoaXMuZHJhd0NhcmV0KHQsZSxpLHMpLGUubGluZVRvKGErdSxyK2gpLGUucXVhZHJhdGljQ3VydmVUbyhhLHIraCxhLHIraC11KSwiY2VudGVyIj09PW8mJiJsZWZ0Ij09PW4mJnRoaXMuZHJhd0NhcmV0KHQsZSxpLHMpLGUubGluZVRvKGEscitjKSxlLnF1YWRyYXRpY0N1cnZlVG8oYSxyLGErYyxyKSxlLmNsb3NlUGF0aCgpLGUuZmlsbCgpLHMuYm9yZGVyV2lkdGg+MCYmZS5zdHJva2UoKX1fdXBkYXRlQW5pbWF0aW9uVGFyZ2V0KHQpe2NvbnN0IGU9dGhpcy5jaGFydCxpPXRoaXMuJGFuaW1hdGlvbnMscz1pJiZpLngsbj1pJiZpLnk7aWYoc3x8bil7Y29uc3QgaT1EYVt0LnBvc2l0aW9uXS5jYWxsKHRoaXMsdGhpcy5fYWN0aXZlLHRoaXMuX2V2ZW50UG9zaXRpb24pO2lmKCFpKXJldHVybjtjb25zdCBvPXRoaXMuX3NpemU9VGEodGhpcyx0KSxhPU9iamVjdC5hc3NpZ24oe30saSx0aGlzLl9zaXplKSxyPUVhKGUsdCxhKSxsPVJhKHQsYSxyLGUpO3MuX3RvPT09bC54JiZuLl90bz09PWwueXx8KHRoaXMueEFsaWduPXIueEFsaWduLHRoaXMueUFsaWduPXIueUFsaWduLHRoaXMud2lkdGg9by53aWR0aCx0aGlzLmhlaWdodD1vLmhlaWdodCx0aGlzLmNhcmV0WD1pLngsdGhpcy5jYXJldFk9aS55LHRoaXMuX3Jlc29sdmVBbmltYXRpb25zKCkudXBkYXRlKHRoaXMsbCkpfX1fd2lsbFJlbmRlcigpe3JldHVybiEhdGhpcy5vcGFjaXR5fWRyYXcodCl7Y29uc3QgZT10aGlzLm9wdGlvbnMuc2V0Q29udGV4dCh0aGlzLmdldENvbnRleHQoKSk7bGV0IGk9dGhpcy5vcGFjaXR5O2lmKCFpKXJldHVybjt0aGlzLl91cGRhdGVBbmltYXRpb25UYXJnZXQoZSk7Y29uc3Qgcz17d2lkdGg6dGhpcy53aWR0aCxoZWlnaHQ6dGhpcy5oZWlnaHR9LG49e3g6dGhpcy54LHk6dGhpcy55fTtpPU1hdGguYWJzKGkpPC4wMDE/MDppO2NvbnN0IG89a2koZS5wYWRkaW5nKSxhPXRoaXMudGl0bGUubGVuZ3RofHx0aGlzLmJlZm9yZUJvZHkubGVuZ3RofHx0aGlzLmJvZHkubGVuZ3RofHx0aGlzLmFmdGVyQm9keS5sZW5ndGh8fHRoaXMuZm9vdGVyLmxlbmd0aDtlLmVuYWJsZWQmJmEmJih0LnNhdmUoKSx0Lmdsb2JhbEFscGhhPWksdGhpcy5kcmF3QmFja2dyb3VuZChuLHQscyxlKSxBaSh0LGUudGV4dERpcmVjdGlvbiksbi55Kz1vLnRvcCx0aGlzLmRyYXdUaXRsZShuLHQsZSksdGhpcy5kcmF3Qm9keShuLHQsZSksdGhpcy5kcmF3Rm9vdGVyKG4sdCxlKSxUaSh0LGUudGV4dERpcmVjdGlvbiksdC5yZXN0b3JlKCkpfWdldEFjdGl2ZUVsZW1lbnRzKCl7cmV0dXJuIHRoaXMuX2FjdGl2ZXx8W119c2V0QWN0aXZlRWxlbWVudHModCxlKXtjb25zdCBpPXRoaXMuX2FjdGl2ZSxzPXQubWFwKCgoe2RhdGFzZXRJbmRleDp0LGluZGV4OmV9KT0+e2NvbnN0IGk9dGhpcy5jaGFydC5nZXREYXRhc2V0TWV0YSh0KTtpZighaSl0aHJvdyBuZXcgRXJyb3IoIkNhbm5vdCBmaW5kIGEgZGF0YXNldCBhdCBpbmRleCAiK3QpO3JldHVybntkYXRhc2V0SW5kZXg6dCxlbGVtZW50OmkuZGF0YVtlXSxpbmRleDplfX0pKSxuPSFmKGkscyksbz10aGlzLl9wb3NpdGlvbkNoYW5nZWQocyxlKTsobnx8bykmJih0aGlzLl9hY3RpdmU9cyx0aGlzLl9ldmVudFBvc2l0aW9uPWUsdGhpcy5faWdub3JlUmVwbGF5RXZlbnRzPSEwLHRoaXMudXBkYXRlKCEwKSl9aGFuZGxlRXZlbnQodCxlLGk9ITApe2lmKGUmJnRoaXMuX2lnbm9yZVJlcGxheUV2ZW50cylyZXR1cm4hMTt0aGlzLl9pZ25vcmVSZXBsYXlFdmVudHM9ITE7Y29uc3Qgcz10aGlzLm9wdGlvbnMsbj10aGlzLl9hY3RpdmV8fFtdLG89dGhpcy5fZ2V0QWN0aXZlRWxlbWVudHModCxuLGUsaSksYT10aGlzLl9wb3NpdGlvbkNoYW5nZWQobyx0KSxyPWV8fCFmKG8sbil8fGE7cmV0dXJuIHImJih0aGlzLl9hY3RpdmU9bywocy5lbmFibGVkfHxzLmV4dGVybmFsKSYmKHRoaXMuX2V2ZW50UG9zaXRpb249e3g6dC54LHk6dC55fSx0aGlzLnVwZGF0ZSghMCxlKSkpLHJ9X2dldEFjdGl2ZUVsZW1lbnRzKHQsZSxpLHMpe2NvbnN0IG49dGhpcy5vcHRpb25zO2lmKCJtb3VzZW91dCI9PT10LnR5cGUpcmV0dXJuW107aWYoIXMpcmV0dXJuIGUuZmlsdGVyKCh0PT50aGlzLmNoYXJ0LmRhdGEuZGF0YXNldHNbdC5kYXRhc2V0SW5kZXhdJiZ2b2lkIDAhPT10aGlzLmNoYXJ0LmdldERhdGFzZXRNZXRhKHQuZGF0YXNldEluZGV4KS5jb250cm9sbGVyLmdldFBhcnNlZCh0LmluZGV4KSkpO2NvbnN0IG89dGhpcy5jaGFydC5nZXRFbGVtZW50c0F0RXZlbnRGb3JNb2RlKHQsbi5tb2RlLG4saSk7cmV0dXJuIG4ucmV2ZXJzZSYmby5yZXZlcnNlKCksb31fcG9zaXRpb25DaGFuZ2VkKHQsZSl7Y29uc3R7Y2FyZXRYOmksY2FyZXRZOnMsb3B0aW9uczpufT10aGlzLG89RGFbbi5wb3NpdGlvbl0uY2FsbCh0aGlzLHQsZSk7cmV0dXJuITEhPT1vJiYoaSE9PW8ueHx8cyE9PW8ueSl9fXZhciBXYT17aWQ6InRvb2x0aXAiLF9lbGVtZW50Ok5hLHBvc2l0aW9uZXJzOkRhLGFmdGVySW5pdCh0LGUsaSl7aSYmKHQudG9vbHRpcD1uZXcgTmEoe2NoYXJ0OnQsb3B0aW9uczppfSkpfSxiZWZvcmVVcGRhdGUodCxlLGkpe3QudG9vbHRpcCYmdC50b29sdGlwLmluaXRpYWxpemUoaSl9LHJlc2V0KHQsZSxpKXt0LnRvb2x0aXAmJnQudG9vbHRpcC5pbml0aWFsaXplKGkpfSxhZnRlckRyYXcodCl7Y29uc3QgZT10LnRvb2x0aXA7aWYoZSYmZS5fd2lsbFJlbmRlcigpKXtjb25zdCBpPXt0b29sdGlwOmV9O2lmKCExPT09dC5ub3RpZnlQbHVnaW5zKCJiZWZvcmVUb29sdGlwRHJhdyIsey4uLmksY2FuY2VsYWJsZTohMH0pKXJldHVybjtlLmRyYXcodC5jdHgpLHQubm90aWZ5UGx1Z2lucygiYWZ0ZXJUb29sdGlwRHJhdyIsaSl9fSxhZnRlckV2ZW50KHQsZSl7aWYodC50b29sdGlwKXtjb25zdCBpPWUucmVwbGF5O3QudG9vbHRpcC5oYW5kbGVFdmVudChlLmV2ZW50LGksZS5pbkNoYXJ0QXJlYSkmJihlLmNoYW5nZWQ9ITApfX0sZGVmYXVsdHM6e2VuYWJsZWQ6ITAsZXh0ZXJuYWw6bnVsbCxwb3NpdGlvbjoiYXZlcmFnZSIsYmFja2dyb3VuZENvbG9yOiJyZ2JhKDAsMCwwLDAuOCkiLHRpdGxlQ29sb3I6IiNmZmYiLHRpdGxlRm9udDp7d2VpZ2h0OiJib2xkIn0sdGl0bGVTcGFjaW5nOjIsdGl0bGVNYXJnaW5Cb3R0b206Nix0aXRsZUFsaWduOiJsZWZ0Iixib2R5Q29sb3I6IiNmZmYiLGJvZHlTcGFjaW5nOjIsYm9keUZvbnQ6e30sYm9keUFsaWduOiJsZWZ0Iixmb290ZXJDb2xvcjoiI2ZmZiIsZm9vdGVyU3BhY2luZzoyLGZvb3Rlck1hcmdpblRvcDo2LGZvb3RlckZvbnQ6e3dlaWdodDoiYm9sZCJ9LGZvb3RlckFsaWduOiJsZWZ0IixwYWRkaW5nOjYsY2FyZXRQYWRkaW5nOjIsY2FyZXRTaXplOjUsY29ybmVyUmFkaXVzOjYsYm94SGVpZ2h0Oih0LGUpPT5lLmJvZHlGb250LnNpemUsYm94V2lkdGg6KHQsZSk9PmUuYm9keUZvbnQuc2l6ZSxtdWx0aUtleUJhY2tncm91bmQ6IiNmZmYiLGRpc3BsYXlDb2xvcnM6ITAsYm94UGFkZGluZzowLGJvcmRlckNvbG9yOiJyZ2JhKDAsMCwwLDApIixib3JkZXJXaWR0aDowLGFuaW1hdGlvbjp7ZHVyYXRpb246NDAwLGVhc2luZzoiZWFzZU91dFF1YXJ0In0sYW5pbWF0aW9uczp7bnVtYmVyczp7dHlwZToibnVtYmVyIixwcm9wZXJ0aWVzOlsieCIsInkiLCJ3aWR0aCIsImhlaWdodCIsImNhcmV0WCIsImNhcmV0WSJdfSxvcGFjaXR5OntlYXNpbmc6ImxpbmVhciIsZHVyYXRpb246MjAwfX0sY2FsbGJhY2tzOlZhfSxkZWZhdWx0Um91dGVzOntib2R5Rm9udDoiZm9udCIsZm9vdGVyRm9udDoiZm9udCIsdGl0bGVGb250OiJmb250In0sZGVzY3JpcHRvcnM6e19zY3JpcHRhYmxlOnQ9PiJmaWx0ZXIiIT09dCYmIml0ZW1Tb3J0IiE9PXQmJiJleHRlcm5hbCIhPT10LF9pbmRleGFibGU6ITEsY2FsbGJhY2tzOntfc2NyaXB0YWJsZTohMSxfaW5kZXhhYmxlOiExfSxhbmltYXRpb246e19mYWxsYmFjazohMX0sYW5pbWF0aW9uczp7X2ZhbGxiYWNrOiJhbmltYXRpb24ifX0sYWRkaXRpb25hbE9wdGlvblNjb3BlczpbImludGVyYWN0aW9uIl19O3JldHVybiBUbi5yZWdpc3RlcihVbiwkbyxnbyx0KSxUbi5oZWxwZXJzPXsuLi5IaX0sVG4uX2FkYXB0ZXJzPUluLFRuLkFuaW1hdGlvbj1BcyxUbi5BbmltYXRpb25zPVRzLFRuLmFuaW1hdG9yPWJ0LFRuLmNvbnRyb2xsZXJzPW5uLmNvbnRyb2xsZXJzLml0ZW1zLFRuLkRhdGFzZXRDb250cm9sbGVyPWpzLFRuLkVsZW1lbnQ9JHMsVG4uZWxlbWVudHM9Z28sVG4uSW50ZXJhY3Rpb249S2ksVG4ubGF5b3V0cz1scyxUbi5wbGF0Zm9ybXM9RHMsVG4uU2NhbGU9dG4sVG4uVGlja3M9YWUsT2JqZWN0LmFzc2lnbihUbixVbiwkbyxnbyx0LERzKSxUbi5DaGFydD1UbiwidW5kZWZpbmVkIiE9dHlwZW9mIHdpbmRvdyYmKHdpbmRvdy5DaGFydD1UbiksVG59KSk7Ci8vIyBzb3VyY2VNYXBwaW5nVVJMPWNoYXJ0LnVtZC5taW4uanMubWFw";

;// CONCATENATED MODULE: ./src/stats/dashboard.ts







/**
 * The stats dashboard: one self-contained HTML page (no network, works from file:// and GitHub
 * Pages). The figures are formatted here, in a view the page only displays; the page builds its
 * DOM with textContent from that view and draws the charts with the inlined Chart.js.
 */
/** Goals in the cost-per-goal chart. */
const COST_CHART_GOALS = 10;
/** Runs in the table, most recent first. */
const TABLE_RUNS = 300;
// ---------------------------------------------------------------------------------------------
// Formatting: unknown figures say so, never 0.
/** A partial sum as a figure: the known total, and what is missing after it. */
function partialFigure(label, sum, note) {
    if (sum.unknown > 0 && sum.known > 0) {
        const more = `+ ${plural(sum.unknown, "run")} unknown`;
        return { label, value: formatUsd(sum.total), more, note, unknown: true };
    }
    return { label, value: formatPartialUsd(sum), more: null, note, unknown: sum.unknown > 0 };
}
function dashboard_formatDuration(seconds) {
    if (seconds === null || !Number.isFinite(seconds))
        return "unknown";
    const s = Math.max(0, Math.round(seconds));
    if (s < 60)
        return `${s} s`;
    if (s < 3600)
        return `${Math.round(s / 60)} min`;
    if (s < 86_400) {
        const minutes = Math.round(s / 60);
        return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
    }
    const hours = Math.round(s / 3600);
    return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}
function formatCount(value) {
    if (value === null)
        return "unknown";
    if (Math.abs(value) >= 1_000_000)
        return `${Math.round(value / 100_000) / 10}M`;
    if (Math.abs(value) >= 10_000)
        return `${Math.round(value / 1000)}k`;
    return value.toLocaleString("en-US");
}
/** Only http(s) links reach the page: a `javascript:` URL in the data is dropped. */
function safeUrl(url) {
    if (typeof url !== "string")
        return null;
    try {
        const parsed = new URL(url);
        return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    }
    catch {
        return null;
    }
}
const minute = (iso) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
// ---------------------------------------------------------------------------------------------
// The view.
function runTokens(run) {
    const { input, output } = run.tokens;
    return input === null || output === null ? null : input + output;
}
function goalLabel(report, repository, goal, title) {
    const ref = report.repositories.length > 1 ? `${repository}#${goal}` : `#${goal}`;
    return title ? `${ref} ${title}` : ref;
}
const cell = (text, sort, extra = {}) => ({ text, sort, href: extra.href ?? null, unknown: extra.unknown ?? false });
const COLUMNS = [
    { key: "finished", label: "finished (UTC)", numeric: false },
    { key: "goal", label: "goal", numeric: false },
    { key: "outcome", label: "outcome", numeric: false },
    { key: "attempt", label: "attempt", numeric: true },
    { key: "wall", label: "wall time", numeric: true },
    { key: "cost", label: "cost", numeric: true },
    { key: "tokens", label: "tokens", numeric: true },
    { key: "lines", label: "lines +/−", numeric: true },
    { key: "pr", label: "PR", numeric: false },
];
function runRow(report, run, goals) {
    const goal = goals.get(`${run.repository}#${run.goal}`);
    const label = goalLabel(report, run.repository, run.goal, goal?.title ?? null);
    const tokens = runTokens(run);
    const lines = run.lines_added === null || run.lines_deleted === null
        ? null
        : { added: run.lines_added, deleted: run.lines_deleted };
    const pr = safeUrl(run.pr_url);
    const prNumber = pr ? /\/pull\/(\d+)\/?$/.exec(pr)?.[1] : undefined;
    return {
        finished: cell(minute(run.finished_at), run.finished_at),
        goal: cell(label, label.toLowerCase(), { href: safeUrl(goal?.url) }),
        outcome: cell(run.outcome, run.outcome),
        attempt: cell(String(run.attempt), run.attempt),
        wall: cell(dashboard_formatDuration(run.wall_seconds), run.wall_seconds),
        cost: cell(run.cost_usd === null ? "unknown" : formatUsd(run.cost_usd), run.cost_usd, {
            unknown: run.cost_usd === null,
        }),
        tokens: cell(formatCount(tokens), tokens, { unknown: tokens === null }),
        lines: cell(lines ? `+${lines.added} −${lines.deleted}` : "unknown", lines ? lines.added + lines.deleted : null, { unknown: lines === null }),
        pr: cell(pr ? (prNumber ? `#${prNumber}` : "PR") : "—", pr, { href: pr }),
    };
}
function buildDashboardView(report) {
    const t = report.totals;
    const today = report.generated_at.slice(0, 10);
    const todayRow = report.days.find((day) => day.day === today);
    const repos = report.repositories.length > 0 ? report.repositories.join(", ") : "no repository";
    const costPerDone = t.cost_per_done_goal;
    const figure = (label, value, note = null) => ({
        label,
        value,
        more: null,
        note,
        unknown: false,
    });
    const costPerDoneFigure = costPerDone.value === null
        ? {
            ...figure("cost per done goal", t.done === 0 ? "—" : "unknown"),
            note: t.done === 0 ? "no goal done yet" : "no run of a done goal reported a cost",
            unknown: t.done > 0,
        }
        : {
            ...figure("cost per done goal", formatUsd(costPerDone.value), "all attempts included"),
            more: costPerDone.unknown > 0 ? `+ ${plural(costPerDone.unknown, "run")} unknown` : null,
            unknown: costPerDone.unknown > 0,
        };
    const headline = [
        figure("runs", formatCount(t.runs)),
        figure("goals done", String(t.done), `of ${plural(t.goals, "goal")}; ${t.stuck} stuck, ${t.spot_check} in spot-check, ${t.open} open`),
        figure("success rate", formatRate(t.success_rate), t.success_rate === null ? "no goal has reached an end" : "of goals that ended"),
        todayRow
            ? partialFigure("cost today", todayRow.cost_usd, `${plural(todayRow.runs, "run")} (${today})`)
            : figure("cost today", formatUsd(0), `no runs (${today})`),
        partialFigure("cost in total", t.cost_usd, `${plural(t.runs, "run")}`),
        costPerDoneFigure,
        figure("median time to done", t.median_seconds_to_done === null ? "—" : dashboard_formatDuration(t.median_seconds_to_done), t.median_seconds_to_done === null ? "no goal done yet" : "first start to merge-ready"),
    ];
    const rates = [
        figure("success", formatRate(t.success_rate), "done, of goals that ended"),
        figure("retry", formatRate(t.retry_rate), "needed more than one attempt"),
        figure("stuck", formatRate(t.stuck_rate), "stuck, of goals that ended"),
        figure("done per day", t.done_per_day === null ? "—" : String(Math.round(t.done_per_day * 10) / 10), `over ${plural(report.days.length, "day")}`),
    ];
    const unknownDays = report.days.filter((day) => day.cost_usd.unknown > 0).length;
    const costByDay = {
        labels: report.days.map((day) => day.day),
        values: report.days.map((day) => day.cost_usd.known === 0 && day.cost_usd.unknown > 0 ? null : day.cost_usd.total),
        unknown: report.days.map((day) => day.cost_usd.unknown),
        note: unknownDays > 0
            ? `${plural(unknownDays, "day")} include runs with an unknown cost (lighter bars; no bar: all unknown).`
            : null,
    };
    const costed = report.goals
        .filter((goal) => goal.cost_usd.known > 0)
        .sort((a, b) => b.cost_usd.total - a.cost_usd.total)
        .slice(0, COST_CHART_GOALS);
    const uncosted = report.goals.filter((g) => g.cost_usd.known === 0 && g.runs > 0).length;
    const partly = costed.filter((g) => g.cost_usd.unknown > 0).length;
    const goalNotes = [
        partly > 0
            ? `${plural(partly, "goal")} shown also had runs with an unknown cost (lighter bars).`
            : "",
        uncosted > 0 ? `${plural(uncosted, "goal")} with no known cost not shown.` : "",
    ].filter(Boolean);
    const costByGoal = {
        labels: costed.map((goal) => goalLabel(report, goal.repository, goal.goal, goal.title)),
        values: costed.map((goal) => goal.cost_usd.total),
        unknown: costed.map((goal) => goal.cost_usd.unknown),
        urls: costed.map((goal) => safeUrl(goal.url)),
        note: goalNotes.length > 0 ? goalNotes.join(" ") : null,
    };
    const queue = report.queue.length === 0
        ? null
        : {
            points: report.queue.map((point) => ({
                x: Date.parse(point.at),
                at: minute(point.at),
                queued: point.queued,
                running: point.running,
            })),
        };
    const split = t.time_split;
    const parts = [split.llm, split.tools, split.overhead];
    const splitUnknown = Math.max(...parts.map((part) => part.unknown));
    const splitView = parts.every((part) => part.known === 0)
        ? null
        : {
            labels: ["LLM", "tools", "overhead"],
            seconds: parts.map((part) => part.total),
            note: splitUnknown > 0
                ? `${plural(splitUnknown, "run")} did not report the split: the shares cover the runs that did.`
                : null,
        };
    const goals = new Map(report.goals.map((goal) => [`${goal.repository}#${goal.goal}`, goal]));
    const recent = report.runs.slice(-TABLE_RUNS).reverse();
    return {
        title: `Goal stats — ${repos}`,
        subtitle: [
            `generated ${minute(report.generated_at)} UTC`,
            `source: ${report.source}`,
            report.since ? `runs since ${minute(report.since)} UTC` : "all runs",
        ].join(" · "),
        headline,
        rates,
        doneByDay: {
            labels: report.days.map((day) => day.day),
            values: report.days.map((day) => day.done),
        },
        costByDay,
        costByGoal,
        queue,
        split: splitView,
        columns: COLUMNS,
        rows: recent.map((run) => runRow(report, run, goals)),
        rowsOmitted: report.runs.length - recent.length,
        library: `Chart.js ${CHART_JS_VERSION} (MIT License)`,
    };
}
// ---------------------------------------------------------------------------------------------
// The page.
/** JSON safe inside a <script> element: no `<`, `>` or `&` (so no `</script>` or `<!--`). */
function jsonForScript(value) {
    return JSON.stringify(value)
        .replace(/</g, "\\u003c")
        .replace(/>/g, "\\u003e")
        .replace(/&/g, "\\u0026")
        .replace(/\u2028/g, "\\u2028")
        .replace(/\u2029/g, "\\u2029");
}
const escapeHtml = (text) => text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
const sha256 = (text) => `'sha256-${(0,external_node_crypto_namespaceObject.createHash)("sha256").update(text).digest("base64")}'`;
let chartSource;
function chartJs() {
    chartSource ??= Buffer.from(CHART_JS_BASE64, "base64").toString("utf8");
    return chartSource;
}
function chartBox(id, title, label) {
    return [
        `<section class="card" id="card-${id}">`,
        `<h2>${escapeHtml(title)}</h2>`,
        `<div class="chart" id="box-${id}"><canvas id="chart-${id}" role="img" aria-label="${escapeHtml(label)}"></canvas></div>`,
        `<p class="note" id="note-${id}"></p>`,
        "</section>",
    ].join("\n");
}
/** One complete HTML document; the data goes in as escaped JSON and out through textContent. */
function renderDashboard(report) {
    const view = buildDashboardView(report);
    const library = chartJs();
    const client = DASHBOARD_CLIENT_JS;
    // Only these two scripts may run, and nothing may be fetched: a title that slipped into the
    // markup could neither run code nor load an image.
    const csp = [
        "default-src 'none'",
        `script-src ${sha256(library)} ${sha256(client)}`,
        "style-src 'unsafe-inline'",
        "img-src data:",
        "base-uri 'none'",
        "form-action 'none'",
    ].join("; ");
    return [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        `<title>${escapeHtml(view.title)}</title>`,
        `<style>${DASHBOARD_CSS}</style>`,
        "</head>",
        "<body>",
        "<header>",
        '<h1 id="title"></h1>',
        '<p id="subtitle"></p>',
        "</header>",
        '<noscript><p class="note">The charts need JavaScript; data.json next to this page holds every figure.</p></noscript>',
        '<section class="figures" id="headline" aria-label="headline figures"></section>',
        '<div class="grid">',
        chartBox("done", "Goals done per day", "goals done per day"),
        chartBox("queue", "Queue depth", "goals queued and running over time"),
        chartBox("cost-day", "Cost per day", "cost per day in US dollars"),
        chartBox("cost-goal", `Cost per goal (top ${COST_CHART_GOALS})`, "cost per goal in US dollars"),
        '<section class="card" id="card-rates"><h2>Rates</h2><div class="figures small" id="rates"></div></section>',
        chartBox("split", "Where the time went", "time split between LLM, tools and overhead"),
        "</div>",
        '<section class="card wide" id="card-runs">',
        "<h2>Recent runs</h2>",
        '<div class="table-wrap"><table id="runs"><thead><tr></tr></thead><tbody></tbody></table></div>',
        '<p class="note" id="note-runs"></p>',
        "</section>",
        '<footer id="footer"></footer>',
        `<script type="application/json" id="dashboard-data">${jsonForScript({ report, view })}</script>`,
        `<script>${library}</script>`,
        `<script>${client}</script>`,
        "</body>",
        "</html>",
        "",
    ].join("\n");
}
/** Writes `index.html` and `data.json` (the report) into outDir, creating it. */
async function writeDashboard(report, outDir) {
    await (0,promises_namespaceObject.mkdir)(outDir, { recursive: true });
    const file = (0,external_node_path_namespaceObject.join)(outDir, "index.html");
    await (0,promises_namespaceObject.writeFile)(file, renderDashboard(report));
    await (0,promises_namespaceObject.writeFile)((0,external_node_path_namespaceObject.join)(outDir, "data.json"), `${JSON.stringify(report, null, 2)}\n`);
    return { file };
}

;// CONCATENATED MODULE: ./src/core/states.ts

const GOAL_STATES = ["draft", "queued", "running", "done", "stuck", "spot-check"];
const STATE_LABEL_PREFIX = "goal:";
/** Plain issue label marking a story, which groups goals as sub-issues. */
const STORY_LABEL = "story";
/** Flag label: the goal always ends in goal:spot-check instead of auto-merging. */
const SPOT_CHECK_FLAG_LABEL = "spot-check";
function stateLabel(state) {
    return `${STATE_LABEL_PREFIX}${state}`;
}
function parseState(name) {
    if (!name.startsWith(STATE_LABEL_PREFIX))
        return null;
    const state = name.slice(STATE_LABEL_PREFIX.length);
    return GOAL_STATES.includes(state) ? state : null;
}
function isStateLabel(name) {
    return parseState(name) !== null;
}
const STATE_LABEL_LOOK = {
    draft: { color: "d4c5f9", description: "Goal: written, not ready to run" },
    queued: { color: "0e8a16", description: "Goal: ready to run, waits its turn" },
    running: { color: "fbca04", description: "Goal: claimed by a dispatcher; an agent works on it" },
    done: {
        color: "5319e7",
        description: "Goal: the agent succeeded; its PR is merged or set to auto-merge",
    },
    stuck: {
        color: "b60205",
        description: "Goal: failed on its last allowed attempt, or cannot run",
    },
    "spot-check": {
        color: "d93f0b",
        description: "Goal: a human must review the PR before it merges",
    },
};
const LABELS = [
    ...GOAL_STATES.map((state) => ({ name: stateLabel(state), ...STATE_LABEL_LOOK[state] })),
    { name: STORY_LABEL, color: "1d76db", description: "Story: groups goals as its sub-issues" },
    {
        name: SPOT_CHECK_FLAG_LABEL,
        color: "f9d0c4",
        description: "Goal flag: always stop in goal:spot-check for human review instead of auto-merging",
    },
];
/** Reads the goal state from an issue's labels; `conflicting` lists every state label when there is more than one. */
function stateFromLabels(labels) {
    const states = [...new Set(labels.map(parseState).filter((s) => s !== null))];
    if (states.length === 1)
        return { state: states[0] ?? null, conflicting: [] };
    return { state: null, conflicting: states.length > 1 ? states : [] };
}
/** The labels to set so that exactly one state label remains: other labels keep their order. */
function withState(labels, to) {
    return [...labels.filter((name) => !isStateLabel(name)), stateLabel(to)];
}
const ALLOWED_TRANSITIONS = {
    draft: ["queued"],
    queued: ["running", "draft", "stuck"],
    running: ["done", "stuck", "spot-check", "queued"],
    "spot-check": ["done", "queued", "stuck"],
    stuck: ["queued", "draft"],
    // A human re-opens a finished goal by queueing it again; the dispatcher re-queues one whose
    // pull request failed its checks, or makes it stuck when that was its last attempt.
    done: ["queued", "stuck"],
};
function canTransition(from, to) {
    return ALLOWED_TRANSITIONS[from].includes(to);
}
/** Throws unless `from` may become `to`. A goal without a state label (`null`) may become anything. */
function assertTransition(from, to) {
    if (from === null || canTransition(from, to))
        return;
    throw new errors_UserError(`goal is ${from}; it cannot become ${to}. From ${from} a goal can become: ${ALLOWED_TRANSITIONS[from].join(", ")}.`);
}

;// CONCATENATED MODULE: ./src/core/markers.ts

/** Machine-readable facts the orchestrator leaves in its own issue comments (design §3). */
const MARKER_SCHEMA_VERSION = 1;
const MARKER_TAG = "goal-orchestrator";
const RUN_OUTCOMES = ["success", "spot-check", "failure", "interrupted"];
const FEEDBACK_SOURCES = ["reject", "pr-closed", "ci-failed"];
/** The marker as one line: `<!-- goal-orchestrator:v1 {json} -->`. */
function encodeMarker(marker) {
    const json = escapeForComment(JSON.stringify({ v: MARKER_SCHEMA_VERSION, ...marker }));
    return `<!-- ${MARKER_TAG}:v${MARKER_SCHEMA_VERSION} ${json} -->`;
}
// "--" inside a string would end the HTML comment early; "\u002d" is the same character to JSON.parse.
// Outside strings "-" only appears singly (as a sign or exponent), so it never forms "--".
// "<" and ">" are escaped too, so no text in a marker looks like HTML to anything that reads it.
const COMMENT_SAFE = { "-": "\\u002d", "<": "\\u003c", ">": "\\u003e" };
function escapeForComment(json) {
    let out = "";
    let inString = false;
    for (let i = 0; i < json.length; i++) {
        const char = json[i];
        if (inString && char === "\\") {
            out += char + (json[i + 1] ?? "");
            i++;
            continue;
        }
        if (char === '"')
            inString = !inString;
        out += inString ? (COMMENT_SAFE[char] ?? char) : char;
    }
    return out;
}
const MARKER_LINE = new RegExp(`^[ \\t]*<!--[ \\t]*${MARKER_TAG}:v(\\d{1,6})[ \\t]+(\\{.*\\})[ \\t]*-->[ \\t]*$`, "gm");
/**
 * Every well-formed marker in a text, in order. Never throws: malformed JSON, unknown kinds and
 * markers missing required fields are skipped. Markers from newer schema versions are kept when
 * their required fields parse; fields this version does not know are dropped.
 */
function decodeMarkers(text) {
    if (typeof text !== "string")
        return [];
    const markers = [];
    for (const match of text.matchAll(MARKER_LINE)) {
        const version = Number(match[1]);
        if (version < 1)
            continue;
        let value;
        try {
            value = JSON.parse(match[2] ?? "");
        }
        catch {
            continue;
        }
        const marker = toMarker(value);
        if (marker !== null)
            markers.push(marker);
    }
    return markers;
}
function toMarker(value) {
    if (!isObject(value))
        return null;
    switch (value.kind) {
        case "claim":
            return toClaim(value);
        case "run-result":
            return toRunResult(value);
        case "transition":
            return toTransition(value);
        case "feedback":
            return toFeedback(value);
        default:
            return null;
    }
}
function toClaim(v) {
    if (!isAttempt(v.attempt) || !isTime(v.claimedAt) || !isTime(v.leaseExpiresAt))
        return null;
    if (!isObject(v.claimedBy))
        return null;
    const by = v.claimedBy;
    const claimedBy = {};
    // Run ids are numbers in GitHub's API; keep them as text so they never lose precision.
    if (typeof by.runId === "string" || isWholeNumber(by.runId))
        claimedBy.runId = String(by.runId);
    if (typeof by.runUrl === "string")
        claimedBy.runUrl = by.runUrl;
    if (typeof by.host === "string")
        claimedBy.host = by.host;
    if (isWholeNumber(by.pid))
        claimedBy.pid = by.pid;
    const claim = {
        kind: "claim",
        attempt: v.attempt,
        claimedBy,
        claimedAt: v.claimedAt,
        leaseExpiresAt: v.leaseExpiresAt,
    };
    if (typeof v.claimId === "string")
        claim.claimId = v.claimId;
    return claim;
}
function toRunResult(v) {
    if (!isAttempt(v.attempt) || !isOneOf(v.outcome, RUN_OUTCOMES))
        return null;
    if (typeof v.reason !== "string" || typeof v.countsAsAttempt !== "boolean")
        return null;
    const marker = {
        kind: "run-result",
        attempt: v.attempt,
        outcome: v.outcome,
        reason: v.reason,
        countsAsAttempt: v.countsAsAttempt,
    };
    if (typeof v.prUrl === "string")
        marker.prUrl = v.prUrl;
    if (typeof v.logTail === "string")
        marker.logTail = v.logTail;
    if (isObject(v.stats))
        marker.stats = v.stats;
    return marker;
}
function toTransition(v) {
    if (!isOneOf(v.to, GOAL_STATES) || typeof v.reason !== "string")
        return null;
    if (v.from !== null && !isOneOf(v.from, GOAL_STATES))
        return null;
    const marker = { kind: "transition", from: v.from, to: v.to, reason: v.reason };
    if (isAttempt(v.attempt))
        marker.attempt = v.attempt;
    return marker;
}
function toFeedback(v) {
    if (!isAttempt(v.attempt) || !isOneOf(v.source, FEEDBACK_SOURCES))
        return null;
    if (typeof v.text !== "string")
        return null;
    return { kind: "feedback", attempt: v.attempt, source: v.source, text: v.text };
}
function isObject(value) {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
function isWholeNumber(value) {
    return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}
function isAttempt(value) {
    return isWholeNumber(value) && value >= 1;
}
function isTime(value) {
    return typeof value === "string" && !Number.isNaN(Date.parse(value));
}
function isOneOf(value, allowed) {
    return typeof value === "string" && allowed.includes(value);
}
/**
 * Markers from comments written by trusted authors (the orchestrator's own identities), oldest
 * first. Anyone can paste a marker into a comment, so markers from anyone else are ignored.
 */
function trustedMarkers(comments, trustedAuthors) {
    const trusted = new Set([...trustedAuthors].map((login) => login.toLowerCase()));
    const found = comments
        .filter((comment) => trusted.has(comment.author.toLowerCase()))
        .map((comment, index) => ({ comment, index, time: Date.parse(comment.createdAt) }));
    // Array.prototype.sort is stable, so markers of one comment and equal times keep their order.
    found.sort((a, b) => compareTimes(a.time, b.time) || a.index - b.index);
    return found.flatMap(({ comment }) => decodeMarkers(comment.body).map((marker) => ({ ...marker, createdAt: comment.createdAt })));
}
// Unparseable times sort last rather than breaking the order of the rest.
function compareTimes(a, b) {
    if (Number.isNaN(a))
        return Number.isNaN(b) ? 0 : 1;
    if (Number.isNaN(b))
        return -1;
    return a - b;
}

;// CONCATENATED MODULE: ./src/stats/records.ts



const records_isObject = (value) => typeof value === "object" && value !== null && !Array.isArray(value);
const numberOrNull = (value) => typeof value === "number" && Number.isFinite(value) ? value : null;
const stringOrNull = (value) => (typeof value === "string" ? value : null);
const records_isTime = (value) => typeof value === "string" && !Number.isNaN(Date.parse(value));
/** A stats record from any JSON value, or null when it cannot place the run. */
function parseStatsRecord(value) {
    if (!records_isObject(value))
        return null;
    const { repository, goal, attempt, outcome, started_at, finished_at } = value;
    if (typeof repository !== "string" || !/^[^/\s]+\/[^/\s]+$/.test(repository))
        return null;
    if (!Number.isSafeInteger(goal) || goal < 1)
        return null;
    if (!Number.isSafeInteger(attempt) || attempt < 1)
        return null;
    if (!RUN_OUTCOMES.includes(outcome))
        return null;
    if (!records_isTime(started_at) || !records_isTime(finished_at))
        return null;
    const tokens = records_isObject(value.tokens) ? value.tokens : {};
    const time = records_isObject(value.time_seconds) ? value.time_seconds : {};
    const wall = numberOrNull(value.wall_seconds);
    const record = {
        v: 1,
        repository,
        goal: goal,
        story: Number.isSafeInteger(value.story) ? value.story : null,
        attempt: attempt,
        outcome: outcome,
        reason: stringOrNull(value.reason) ?? "",
        started_at,
        finished_at,
        wall_seconds: wall ?? (Date.parse(finished_at) - Date.parse(started_at)) / 1000,
        agent_seconds: numberOrNull(value.agent_seconds),
        overhead_seconds: numberOrNull(value.overhead_seconds),
        agent_exit_code: numberOrNull(value.agent_exit_code),
        exit_reason: stringOrNull(value.exit_reason),
        iterations: numberOrNull(value.iterations),
        tokens: {
            input: numberOrNull(tokens.input),
            output: numberOrNull(tokens.output),
            cache_read: numberOrNull(tokens.cache_read),
            cache_create: numberOrNull(tokens.cache_create),
        },
        cost_usd: numberOrNull(value.cost_usd),
        time_seconds: {
            llm: numberOrNull(time.llm),
            tools: numberOrNull(time.tools),
            other: numberOrNull(time.other),
            total: numberOrNull(time.total),
        },
        lines_added: numberOrNull(value.lines_added),
        lines_deleted: numberOrNull(value.lines_deleted),
        files_changed: numberOrNull(value.files_changed),
        model: stringOrNull(value.model) ?? "unknown",
        reasoning: stringOrNull(value.reasoning) ?? "unknown",
        pr_url: stringOrNull(value.pr_url),
    };
    if (GOAL_STATES.includes(value.goal_state)) {
        record.goal_state = value.goal_state;
    }
    return record;
}
/** Every record of a stats.jsonl text; blank lines are fine, bad lines are skipped and listed. */
function parseStatsLines(text) {
    const records = [];
    const skipped = [];
    text.split("\n").forEach((line, index) => {
        if (line.trim() === "")
            return;
        let value;
        try {
            value = JSON.parse(line);
        }
        catch {
            skipped.push(`line ${index + 1}: not JSON`);
            return;
        }
        const record = parseStatsRecord(value);
        if (record)
            records.push(record);
        else
            skipped.push(`line ${index + 1}: not a stats record (needs repository, goal, attempt, outcome, started_at, finished_at)`);
    });
    return { records, skipped };
}
/** A stats.jsonl file; a file that does not exist holds no records. */
async function readStatsFile(file) {
    let text;
    try {
        text = await (0,promises_namespaceObject.readFile)(file, "utf8");
    }
    catch (error) {
        if (error.code === "ENOENT")
            return { records: [], skipped: [] };
        throw error;
    }
    return parseStatsLines(text);
}

;// CONCATENATED MODULE: ./src/stats/report.ts
const MOST_EXPENSIVE = 5;
const DAY_MS = 86_400_000;
function emptySum() {
    return { total: 0, known: 0, unknown: 0 };
}
/** Adds one run's figure: null counts as unknown, never as 0. */
function addTo(sum, value) {
    if (typeof value === "number" && Number.isFinite(value)) {
        sum.total += value;
        sum.known += 1;
    }
    else {
        sum.unknown += 1;
    }
    return sum;
}
function sumOf(items, figure) {
    const sum = emptySum();
    for (const item of items)
        addTo(sum, figure(item));
    return sum;
}
function mergeSums(sums) {
    const merged = emptySum();
    for (const sum of sums) {
        merged.total += sum.total;
        merged.known += sum.known;
        merged.unknown += sum.unknown;
    }
    return merged;
}
function goalKey(repository, goal) {
    return `${repository.toLowerCase()}#${goal}`;
}
/** YYYY-MM-DD of a time, in UTC. */
function utcDay(time) {
    return new Date(time).toISOString().slice(0, 10);
}
function buildReport(input) {
    const sinceMs = input.since?.getTime() ?? Number.NEGATIVE_INFINITY;
    const runs = input.runs
        .filter((run) => Date.parse(run.finished_at) >= sinceMs)
        .slice()
        .sort((a, b) => Date.parse(a.finished_at) - Date.parse(b.finished_at));
    const histories = new Map((input.histories ?? []).map((history) => [goalKey(history.repository, history.goal), history]));
    const runsByGoal = new Map();
    for (const run of runs) {
        const key = goalKey(run.repository, run.goal);
        const list = runsByGoal.get(key) ?? [];
        list.push(run);
        runsByGoal.set(key, list);
    }
    const goals = [...runsByGoal.entries()]
        .map(([key, goalRuns]) => goalRow(goalRuns, histories.get(key) ?? null))
        .sort((a, b) => Date.parse(b.last_finished_at) - Date.parse(a.last_finished_at));
    const days = dayRows(runs, goals);
    const repositories = [
        ...new Set([
            ...runs.map((run) => run.repository),
            ...[...histories.values()].map((history) => history.repository),
        ]),
    ].sort();
    return {
        v: 1,
        generated_at: input.now.toISOString(),
        since: input.since?.toISOString() ?? null,
        source: input.source,
        repositories,
        runs,
        goals,
        totals: totals(runs, goals, days),
        days,
        queue: queueDepth([...histories.values()], sinceMs),
    };
}
function goalRow(runs, history) {
    const first = runs[0];
    const last = runs[runs.length - 1];
    const pr = [...runs].reverse().find((run) => run.pr_url !== null);
    return {
        repository: first.repository,
        goal: first.goal,
        title: history?.title ?? null,
        url: history?.url ?? null,
        result: history ? resultOfState(history.state) : resultOfRuns(runs),
        attempts: runs.filter((run) => run.outcome !== "interrupted").length,
        runs: runs.length,
        wall_seconds: runs.reduce((total, run) => total + run.wall_seconds, 0),
        cost_usd: sumOf(runs, (run) => run.cost_usd),
        tokens: sumOf(runs, tokenCount),
        lines_added: sumOf(runs, (run) => run.lines_added),
        lines_deleted: sumOf(runs, (run) => run.lines_deleted),
        pr_url: pr?.pr_url ?? null,
        first_started_at: new Date(runs.map((run) => Date.parse(run.started_at)).reduce((a, b) => Math.min(a, b))).toISOString(),
        last_finished_at: last.finished_at,
        done_at: doneAt(runs, history),
    };
}
/**
 * When the goal became done: with a state history, its last move to done (a spot-check goal
 * a reviewer approved is done without a successful run); else its successful run's finish.
 */
function doneAt(runs, history) {
    if (history) {
        if (history.state !== "done")
            return null;
        return history.timeline.findLast((entry) => entry.state === "done")?.at ?? null;
    }
    return runs.find((run) => run.outcome === "success")?.finished_at ?? null;
}
/** Input + output tokens of one run; unknown when either is. */
function tokenCount(run) {
    const { input, output } = run.tokens;
    return input === null || output === null ? null : input + output;
}
function resultOfState(state) {
    if (state === "done" || state === "spot-check" || state === "stuck")
        return state;
    return "open";
}
/**
 * Without state history, the runs tell: a success is done, a spot-check waits for review, and a
 * failure that left the goal stuck says so in its record; anything else may still run again.
 */
function resultOfRuns(runs) {
    const last = runs[runs.length - 1];
    if (runs.some((run) => run.outcome === "success"))
        return "done";
    if (last.outcome === "spot-check")
        return "spot-check";
    if (last.outcome === "failure" && last.goal_state === "stuck")
        return "stuck";
    return "open";
}
function dayRows(runs, goals) {
    if (runs.length === 0)
        return [];
    // A reviewed goal may become done days after its last run: its day belongs in the range.
    const days = [
        ...runs.map((run) => run.finished_at),
        ...goals.flatMap((goal) => (goal.done_at === null ? [] : [goal.done_at])),
    ].map((time) => Date.parse(utcDay(time)));
    // reduce, not Math.min(...days): a long history would overflow the argument list.
    const firstDay = days.reduce((a, b) => Math.min(a, b));
    const lastDay = days.reduce((a, b) => Math.max(a, b));
    const rows = new Map();
    for (let day = firstDay; day <= lastDay; day += DAY_MS) {
        const key = utcDay(new Date(day));
        rows.set(key, { day: key, runs: 0, done: 0, failed: 0, cost_usd: emptySum() });
    }
    for (const run of runs) {
        const row = rows.get(utcDay(run.finished_at));
        row.runs += 1;
        if (run.outcome === "failure")
            row.failed += 1;
        addTo(row.cost_usd, run.cost_usd);
    }
    for (const goal of goals) {
        if (goal.result === "done" && goal.done_at !== null) {
            const row = rows.get(utcDay(goal.done_at));
            if (row)
                row.done += 1;
        }
    }
    return [...rows.values()];
}
function totals(runs, goals, days) {
    const count = (result) => goals.filter((goal) => goal.result === result).length;
    const done = goals.filter((goal) => goal.result === "done");
    const ended = count("done") + count("spot-check") + count("stuck");
    const ratio = (part, whole) => (whole === 0 ? null : part / whole);
    const doneCost = mergeSums(done.map((goal) => goal.cost_usd));
    const expensive = goals
        .filter((goal) => goal.cost_usd.known > 0)
        .sort((a, b) => b.cost_usd.total - a.cost_usd.total)
        .slice(0, MOST_EXPENSIVE);
    return {
        runs: runs.length,
        goals: goals.length,
        done: done.length,
        spot_check: count("spot-check"),
        stuck: count("stuck"),
        open: count("open"),
        success_rate: ratio(done.length, ended),
        stuck_rate: ratio(count("stuck"), ended),
        retry_rate: ratio(goals.filter((goal) => goal.attempts > 1).length, goals.length),
        cost_usd: sumOf(runs, (run) => run.cost_usd),
        cost_per_done_goal: {
            value: done.length === 0 || doneCost.known === 0 ? null : doneCost.total / done.length,
            unknown: doneCost.unknown,
        },
        median_seconds_to_done: median(done.flatMap((goal) => goal.done_at === null
            ? []
            : [(Date.parse(goal.done_at) - Date.parse(goal.first_started_at)) / 1000])),
        done_per_day: days.length === 0 ? null : done.length / days.length,
        time_split: {
            llm: sumOf(runs, (run) => run.time_seconds.llm),
            tools: sumOf(runs, (run) => run.time_seconds.tools),
            overhead: sumOf(runs, (run) => run.overhead_seconds),
        },
        most_expensive: expensive,
    };
}
function median(values) {
    if (values.length === 0)
        return null;
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1
        ? sorted[middle]
        : (sorted[middle - 1] + sorted[middle]) / 2;
}
/**
 * Goals queued and running after every state change of any goal, oldest first. Only changes
 * from `sinceMs` on are points, but the counts include goals that entered a state earlier.
 */
function queueDepth(histories, sinceMs) {
    const changes = histories
        .flatMap((history) => history.timeline.map((entry, index) => ({
        at: entry.at,
        from: index === 0 ? null : (history.timeline[index - 1]?.state ?? null),
        to: entry.state,
    })))
        .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    const points = [];
    let queued = 0;
    let running = 0;
    for (const change of changes) {
        if (change.from === "queued")
            queued -= 1;
        if (change.from === "running")
            running -= 1;
        if (change.to === "queued")
            queued += 1;
        if (change.to === "running")
            running += 1;
        if (Date.parse(change.at) < sinceMs)
            continue;
        const point = { at: change.at, queued, running };
        // Changes at the same instant make one point.
        const previous = points[points.length - 1];
        if (previous?.at === change.at)
            points[points.length - 1] = point;
        else
            points.push(point);
    }
    return points;
}
/**
 * A goal's state over time from its transition markers: it was created in the state the first
 * change left (or, with no change, the state it has now).
 */
function goalTimeline(createdAt, current, transitions) {
    const first = transitions[0];
    return [
        { at: createdAt, state: first ? first.from : current },
        ...transitions.map((change) => ({ at: change.at, state: change.to })),
    ];
}

;// CONCATENATED MODULE: ./src/stats/from-goals.ts



/**
 * Stats from the goals' markers alone (`--from github`): every run-result marker is one run.
 * A runner writes its stats record into the marker; results the dispatcher recorded for lost
 * attempts carry none, so they become runs whose every figure is unknown (they still used an
 * attempt and took time from the claim to the verdict).
 */
function statsFromGoals(goals) {
    const runs = [];
    const histories = [];
    for (const goal of goals) {
        const repository = formatRepo(goal.ref);
        for (const marker of goal.markers) {
            if (marker.kind !== "run-result")
                continue;
            const fromRunner = marker.stats ? parseStatsRecord(marker.stats) : null;
            if (fromRunner)
                fromRunner.pr_url ??= marker.prUrl ?? null;
            const run = fromRunner ?? recordWithoutStats(goal, repository, marker);
            if (run)
                runs.push(run);
        }
        histories.push({
            repository,
            goal: goal.ref.number,
            title: goal.title,
            url: goal.url,
            state: goal.state,
            timeline: goalTimeline(goal.createdAt, goal.state, goal.markers.flatMap((marker) => marker.kind === "transition"
                ? [{ at: marker.createdAt, from: marker.from, to: marker.to }]
                : [])),
        });
    }
    return { runs, histories };
}
function recordWithoutStats(goal, repository, marker) {
    const claim = goal.markers.find((candidate) => candidate.kind === "claim" && candidate.attempt === marker.attempt);
    // What the marker places; the record reader makes every figure unknown.
    return parseStatsRecord({
        repository,
        goal: goal.ref.number,
        attempt: marker.attempt,
        outcome: marker.outcome,
        reason: marker.reason,
        started_at: claim?.claimedAt ?? marker.createdAt,
        finished_at: marker.createdAt,
        pr_url: marker.prUrl ?? null,
    });
}

;// CONCATENATED MODULE: external "node:util"
const external_node_util_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util");
;// CONCATENATED MODULE: ./src/cli/args.ts


/** node:util parseArgs, with its errors turned into messages that show the usage. */
function parseCommandLine(config, usage) {
    try {
        return (0,external_node_util_namespaceObject.parseArgs)({ ...config, strict: true });
    }
    catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new errors_UserError(`${message}\n\n${usage}`);
    }
}

;// CONCATENATED MODULE: external "node:child_process"
const external_node_child_process_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");
;// CONCATENATED MODULE: ./node_modules/universal-user-agent/index.js
function getUserAgent() {
  if (typeof navigator === "object" && "userAgent" in navigator) {
    return navigator.userAgent;
  }

  if (typeof process === "object" && process.version !== undefined) {
    return `Node.js/${process.version.substr(1)} (${process.platform}; ${
      process.arch
    })`;
  }

  return "<environment undetectable>";
}

;// CONCATENATED MODULE: ./node_modules/@octokit/endpoint/dist-bundle/index.js
// pkg/dist-src/defaults.js


// pkg/dist-src/version.js
var VERSION = "0.0.0-development";

// pkg/dist-src/defaults.js
var userAgent = `octokit-endpoint.js/${VERSION} ${getUserAgent()}`;
var DEFAULTS = {
  method: "GET",
  baseUrl: "https://api.github.com",
  headers: {
    accept: "application/vnd.github.v3+json",
    "user-agent": userAgent
  },
  mediaType: {
    format: ""
  }
};

// pkg/dist-src/util/lowercase-keys.js
function lowercaseKeys(object) {
  if (!object) {
    return {};
  }
  return Object.keys(object).reduce((newObj, key) => {
    newObj[key.toLowerCase()] = object[key];
    return newObj;
  }, {});
}

// pkg/dist-src/util/is-plain-object.js
function isPlainObject(value) {
  if (typeof value !== "object" || value === null) return false;
  if (Object.prototype.toString.call(value) !== "[object Object]") return false;
  const proto = Object.getPrototypeOf(value);
  if (proto === null) return true;
  const Ctor = Object.prototype.hasOwnProperty.call(proto, "constructor") && proto.constructor;
  return typeof Ctor === "function" && Ctor instanceof Ctor && Function.prototype.call(Ctor) === Function.prototype.call(value);
}

// pkg/dist-src/util/merge-deep.js
function mergeDeep(defaults, options) {
  const result = Object.assign({}, defaults);
  Object.keys(options).forEach((key) => {
    if (isPlainObject(options[key])) {
      if (!(key in defaults)) Object.assign(result, { [key]: options[key] });
      else result[key] = mergeDeep(defaults[key], options[key]);
    } else {
      Object.assign(result, { [key]: options[key] });
    }
  });
  return result;
}

// pkg/dist-src/util/remove-undefined-properties.js
function removeUndefinedProperties(obj) {
  for (const key in obj) {
    if (obj[key] === void 0) {
      delete obj[key];
    }
  }
  return obj;
}

// pkg/dist-src/merge.js
function merge(defaults, route, options) {
  if (typeof route === "string") {
    let [method, url] = route.split(" ");
    options = Object.assign(url ? { method, url } : { url: method }, options);
  } else {
    options = Object.assign({}, route);
  }
  options.headers = lowercaseKeys(options.headers);
  removeUndefinedProperties(options);
  removeUndefinedProperties(options.headers);
  const mergedOptions = mergeDeep(defaults || {}, options);
  if (options.url === "/graphql") {
    if (defaults && defaults.mediaType.previews?.length) {
      mergedOptions.mediaType.previews = defaults.mediaType.previews.filter(
        (preview) => !mergedOptions.mediaType.previews.includes(preview)
      ).concat(mergedOptions.mediaType.previews);
    }
    mergedOptions.mediaType.previews = (mergedOptions.mediaType.previews || []).map((preview) => preview.replace(/-preview/, ""));
  }
  return mergedOptions;
}

// pkg/dist-src/util/add-query-parameters.js
function addQueryParameters(url, parameters) {
  const separator = /\?/.test(url) ? "&" : "?";
  const names = Object.keys(parameters);
  if (names.length === 0) {
    return url;
  }
  return url + separator + names.map((name) => {
    if (name === "q") {
      return "q=" + parameters.q.split("+").map(encodeURIComponent).join("+");
    }
    return `${name}=${encodeURIComponent(parameters[name])}`;
  }).join("&");
}

// pkg/dist-src/util/extract-url-variable-names.js
var urlVariableRegex = /\{[^{}}]+\}/g;
function removeNonChars(variableName) {
  return variableName.replace(/(?:^\W+)|(?:(?<!\W)\W+$)/g, "").split(/,/);
}
function extractUrlVariableNames(url) {
  const matches = url.match(urlVariableRegex);
  if (!matches) {
    return [];
  }
  return matches.map(removeNonChars).reduce((a, b) => a.concat(b), []);
}

// pkg/dist-src/util/omit.js
function omit(object, keysToOmit) {
  const result = { __proto__: null };
  for (const key of Object.keys(object)) {
    if (keysToOmit.indexOf(key) === -1) {
      result[key] = object[key];
    }
  }
  return result;
}

// pkg/dist-src/util/url-template.js
function encodeReserved(str) {
  return str.split(/(%[0-9A-Fa-f]{2})/g).map(function(part) {
    if (!/%[0-9A-Fa-f]/.test(part)) {
      part = encodeURI(part).replace(/%5B/g, "[").replace(/%5D/g, "]");
    }
    return part;
  }).join("");
}
function encodeUnreserved(str) {
  return encodeURIComponent(str).replace(/[!'()*]/g, function(c) {
    return "%" + c.charCodeAt(0).toString(16).toUpperCase();
  });
}
function encodeValue(operator, value, key) {
  value = operator === "+" || operator === "#" ? encodeReserved(value) : encodeUnreserved(value);
  if (key) {
    return encodeUnreserved(key) + "=" + value;
  } else {
    return value;
  }
}
function isDefined(value) {
  return value !== void 0 && value !== null;
}
function isKeyOperator(operator) {
  return operator === ";" || operator === "&" || operator === "?";
}
function getValues(context, operator, key, modifier) {
  var value = context[key], result = [];
  if (isDefined(value) && value !== "") {
    if (typeof value === "string" || typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
      value = value.toString();
      if (modifier && modifier !== "*") {
        value = value.substring(0, parseInt(modifier, 10));
      }
      result.push(
        encodeValue(operator, value, isKeyOperator(operator) ? key : "")
      );
    } else {
      if (modifier === "*") {
        if (Array.isArray(value)) {
          value.filter(isDefined).forEach(function(value2) {
            result.push(
              encodeValue(operator, value2, isKeyOperator(operator) ? key : "")
            );
          });
        } else {
          Object.keys(value).forEach(function(k) {
            if (isDefined(value[k])) {
              result.push(encodeValue(operator, value[k], k));
            }
          });
        }
      } else {
        const tmp = [];
        if (Array.isArray(value)) {
          value.filter(isDefined).forEach(function(value2) {
            tmp.push(encodeValue(operator, value2));
          });
        } else {
          Object.keys(value).forEach(function(k) {
            if (isDefined(value[k])) {
              tmp.push(encodeUnreserved(k));
              tmp.push(encodeValue(operator, value[k].toString()));
            }
          });
        }
        if (isKeyOperator(operator)) {
          result.push(encodeUnreserved(key) + "=" + tmp.join(","));
        } else if (tmp.length !== 0) {
          result.push(tmp.join(","));
        }
      }
    }
  } else {
    if (operator === ";") {
      if (isDefined(value)) {
        result.push(encodeUnreserved(key));
      }
    } else if (value === "" && (operator === "&" || operator === "?")) {
      result.push(encodeUnreserved(key) + "=");
    } else if (value === "") {
      result.push("");
    }
  }
  return result;
}
function parseUrl(template) {
  return {
    expand: expand.bind(null, template)
  };
}
function expand(template, context) {
  var operators = ["+", "#", ".", "/", ";", "?", "&"];
  template = template.replace(
    /\{([^\{\}]+)\}|([^\{\}]+)/g,
    function(_, expression, literal) {
      if (expression) {
        let operator = "";
        const values = [];
        if (operators.indexOf(expression.charAt(0)) !== -1) {
          operator = expression.charAt(0);
          expression = expression.substr(1);
        }
        expression.split(/,/g).forEach(function(variable) {
          var tmp = /([^:\*]*)(?::(\d+)|(\*))?/.exec(variable);
          values.push(getValues(context, operator, tmp[1], tmp[2] || tmp[3]));
        });
        if (operator && operator !== "+") {
          var separator = ",";
          if (operator === "?") {
            separator = "&";
          } else if (operator !== "#") {
            separator = operator;
          }
          return (values.length !== 0 ? operator : "") + values.join(separator);
        } else {
          return values.join(",");
        }
      } else {
        return encodeReserved(literal);
      }
    }
  );
  if (template === "/") {
    return template;
  } else {
    return template.replace(/\/$/, "");
  }
}

// pkg/dist-src/parse.js
function parse(options) {
  let method = options.method.toUpperCase();
  let url = (options.url || "/").replace(/:([a-z]\w+)/g, "{$1}");
  let headers = Object.assign({}, options.headers);
  let body;
  let parameters = omit(options, [
    "method",
    "baseUrl",
    "url",
    "headers",
    "request",
    "mediaType"
  ]);
  const urlVariableNames = extractUrlVariableNames(url);
  url = parseUrl(url).expand(parameters);
  if (!/^http/.test(url)) {
    url = options.baseUrl + url;
  }
  const omittedParameters = Object.keys(options).filter((option) => urlVariableNames.includes(option)).concat("baseUrl");
  const remainingParameters = omit(parameters, omittedParameters);
  const isBinaryRequest = /application\/octet-stream/i.test(headers.accept);
  if (!isBinaryRequest) {
    if (options.mediaType.format) {
      headers.accept = headers.accept.split(/,/).map(
        (format) => format.replace(
          /application\/vnd(\.\w+)(\.v3)?(\.\w+)?(\+json)?$/,
          `application/vnd$1$2.${options.mediaType.format}`
        )
      ).join(",");
    }
    if (url.endsWith("/graphql")) {
      if (options.mediaType.previews?.length) {
        const previewsFromAcceptHeader = headers.accept.match(/(?<![\w-])[\w-]+(?=-preview)/g) || [];
        headers.accept = previewsFromAcceptHeader.concat(options.mediaType.previews).map((preview) => {
          const format = options.mediaType.format ? `.${options.mediaType.format}` : "+json";
          return `application/vnd.github.${preview}-preview${format}`;
        }).join(",");
      }
    }
  }
  if (["GET", "HEAD"].includes(method)) {
    url = addQueryParameters(url, remainingParameters);
  } else {
    if ("data" in remainingParameters) {
      body = remainingParameters.data;
    } else {
      if (Object.keys(remainingParameters).length) {
        body = remainingParameters;
      }
    }
  }
  if (!headers["content-type"] && typeof body !== "undefined") {
    headers["content-type"] = "application/json; charset=utf-8";
  }
  if (["PATCH", "PUT"].includes(method) && typeof body === "undefined") {
    body = "";
  }
  return Object.assign(
    { method, url, headers },
    typeof body !== "undefined" ? { body } : null,
    options.request ? { request: options.request } : null
  );
}

// pkg/dist-src/endpoint-with-defaults.js
function endpointWithDefaults(defaults, route, options) {
  return parse(merge(defaults, route, options));
}

// pkg/dist-src/with-defaults.js
function withDefaults(oldDefaults, newDefaults) {
  const DEFAULTS2 = merge(oldDefaults, newDefaults);
  const endpoint2 = endpointWithDefaults.bind(null, DEFAULTS2);
  return Object.assign(endpoint2, {
    DEFAULTS: DEFAULTS2,
    defaults: withDefaults.bind(null, DEFAULTS2),
    merge: merge.bind(null, DEFAULTS2),
    parse
  });
}

// pkg/dist-src/index.js
var endpoint = withDefaults(null, DEFAULTS);


;// CONCATENATED MODULE: ./node_modules/content-type/dist/index.js
/*!
 * content-type
 * Copyright(c) 2015 Douglas Christopher Wilson
 * MIT Licensed
 */
const SP = 32; // " "
const HTAB = 9; // "\t"
const SEMI = 59; // ";"
const EQ = 61; // "="
const DQUOTE = 34; // '"'
const BSLASH = 92; // "\\"
const COMMA = 44; // ","
const LOWER_CASE = 1;
const OWS = 2;
const SEMI_FLAG = 4;
const COMMA_FLAG = 8;
const TOKEN_FLAG = 16;
const NON_ASCII = 0xff00;
const CASE_FLAGS = LOWER_CASE | NON_ASCII;
/**
 * Character flags used to normalize HTTP field values while scanning.
 * Out-of-range reads intentionally coerce to zero in bitwise expressions.
 */
const CHAR_MAP = new Uint8Array(0x100);
CHAR_MAP[HTAB] |= OWS;
CHAR_MAP[SP] |= OWS;
CHAR_MAP[SEMI] |= SEMI_FLAG;
CHAR_MAP[COMMA] |= COMMA_FLAG;
for (let code = 0x80 /* non-ASCII */; code <= 0xff; code++) {
    CHAR_MAP[code] |= LOWER_CASE;
}
for (const char of "!#$%&'*+-.^_`|~") {
    CHAR_MAP[char.charCodeAt(0)] |= TOKEN_FLAG;
}
for (let code = 0x30 /* 0 */; code <= 0x39 /* 9 */; code++) {
    CHAR_MAP[code] |= TOKEN_FLAG;
}
for (let code = 0x41 /* A */; code <= 0x5a /* Z */; code++) {
    CHAR_MAP[code] |= LOWER_CASE | TOKEN_FLAG;
}
for (let code = 0x61 /* a */; code <= 0x7a /* z */; code++) {
    CHAR_MAP[code] |= TOKEN_FLAG;
}
/**
 * Null object perf optimization. Faster than `Object.create(null)` and `{ __proto__: null }`.
 */
const NullObject = /* @__PURE__ */ (() => {
    const C = function () { };
    C.prototype = Object.create(null);
    return C;
})();
/**
 * Validate a type string against RFC 9110.
 */
function isTypeValid(type, start = 0, end = type.length) {
    let hasSlash = false;
    for (let index = start; index < end; index++) {
        const code = type.charCodeAt(index);
        if (code === 47 /* / */) {
            if (hasSlash || index === start || index >= end - 1)
                return false;
            hasSlash = true;
        }
        else if (!isTokenCode(code)) {
            return false;
        }
    }
    return hasSlash;
}
/**
 * Validate a token against RFC 9110.
 */
function isTokenValid(token, start = 0, end = token.length) {
    if (start >= end)
        return false;
    for (let index = start; index < end; index++) {
        if (!isTokenCode(token.charCodeAt(index)))
            return false;
    }
    return true;
}
/**
 * Check whether a character code belongs to the token production in RFC 9110.
 */
function isTokenCode(code) {
    return (CHAR_MAP[code] & TOKEN_FLAG) !== 0;
}
/**
 * Serialize a parameter value.
 */
function parameterValue(str) {
    const len = str.length;
    if (len === 0)
        return '""';
    let index = 0;
    while (index < len && isTokenCode(str.charCodeAt(index)))
        index++;
    if (index === len)
        return str;
    let result = '"';
    let start = 0;
    while (index < len) {
        const code = str.charCodeAt(index);
        if (code !== HTAB && (code < SP || code === 127 || code > 255)) {
            throw new TypeError(`Invalid parameter value: ${str}`);
        }
        if (code === 34 /* " */ || code === 92 /* \\ */) {
            result += `${str.slice(start, index)}\\`;
            start = index;
        }
        index++;
    }
    return `${result}${str.slice(start)}"`;
}
/**
 * Format an object into a `Content-Type` header.
 */
function format(obj) {
    const { type, parameters } = obj;
    if (!type || !isTypeValid(type)) {
        throw new TypeError(`Invalid type: ${type}`);
    }
    let result = type;
    if (parameters) {
        for (const param of Object.keys(parameters)) {
            if (!isTokenValid(param)) {
                throw new TypeError(`Invalid parameter name: ${param}`);
            }
            result += `; ${param}=${parameterValue(parameters[param])}`;
        }
    }
    return result;
}
/**
 * Parse a `Content-Type` header.
 */
function dist_parse(header, options) {
    const stopFlags = SEMI_FLAG | (options?.comma === true ? COMMA_FLAG : 0);
    const len = header.length;
    let valueStart = options?.start ?? 0;
    while ((CHAR_MAP[header.charCodeAt(valueStart)] & OWS) !== 0) {
        valueStart++;
    }
    let index = valueStart;
    let typeFlags = 0;
    let whitespace = -1;
    let stop = options?.parameters === false ? COMMA_FLAG : 0;
    while (index < len) {
        const code = header.charCodeAt(index);
        const flags = CHAR_MAP[code];
        if ((flags & stopFlags) !== 0) {
            stop |= flags & COMMA_FLAG;
            break;
        }
        if ((flags & OWS) !== 0) {
            if (whitespace === -1)
                whitespace = index;
        }
        else {
            whitespace = -1;
        }
        typeFlags |= (code & NON_ASCII) | flags;
        index++;
    }
    const valueEnd = whitespace === -1 ? index : whitespace;
    const value = header.slice(valueStart, valueEnd);
    const type = (typeFlags & CASE_FLAGS) === 0 ? value : value.toLowerCase();
    if (index === len || stop !== 0) {
        return { type, index, parameters: new NullObject() };
    }
    return parseParameters(header, type, index, len, stopFlags);
}
/**
 * Parses the parameters of a `Content-Type` header starting at the given index.
 */
function parseParameters(header, type, index, len, stopFlags) {
    const parameters = new NullObject();
    parameter: while (index < len) {
        index++; // Skip over ;
        while ((CHAR_MAP[header.charCodeAt(index)] & OWS) !== 0) {
            index++;
        }
        const keyStart = index;
        let keyFlags = 0;
        let keyWhitespace = -1;
        while (index < len) {
            const code = header.charCodeAt(index);
            const flags = CHAR_MAP[code];
            if ((flags & stopFlags) !== 0) {
                if ((flags & COMMA_FLAG) !== 0)
                    break parameter;
                continue parameter;
            }
            if (code === EQ) {
                const keyEnd = keyWhitespace === -1 ? index : keyWhitespace;
                const value = header.slice(keyStart, keyEnd);
                const key = (keyFlags & CASE_FLAGS) === 0 ? value : value.toLowerCase();
                index++;
                while ((CHAR_MAP[header.charCodeAt(index)] & OWS) !== 0) {
                    index++;
                }
                if (index < len && header.charCodeAt(index) === DQUOTE) {
                    const quotedStart = ++index;
                    let escaped = false;
                    while (index < len) {
                        const code = header.charCodeAt(index);
                        if (code === DQUOTE) {
                            if (parameters[key] === undefined) {
                                parameters[key] = escaped
                                    ? unescapeQuotedPairs(header, quotedStart, index)
                                    : header.slice(quotedStart, index);
                            }
                            index++;
                            let stop = 0;
                            // Discard characters between quote and delimiter.
                            while (index < len) {
                                const code = header.charCodeAt(index);
                                const flags = CHAR_MAP[code];
                                if ((flags & stopFlags) !== 0) {
                                    stop = flags & COMMA_FLAG;
                                    break;
                                }
                                index++;
                            }
                            if (stop !== 0)
                                break parameter;
                            continue parameter;
                        }
                        if (code === BSLASH && index + 1 < len) {
                            escaped = true;
                            index += 2;
                            continue;
                        }
                        index++;
                    }
                    continue parameter;
                }
                const valueStart = index;
                let stop = 0;
                let valueWhitespace = -1;
                while (index < len) {
                    const code = header.charCodeAt(index);
                    const flags = CHAR_MAP[code];
                    if ((flags & stopFlags) !== 0) {
                        stop = flags & COMMA_FLAG;
                        break;
                    }
                    if ((flags & OWS) !== 0) {
                        if (valueWhitespace === -1)
                            valueWhitespace = index;
                    }
                    else {
                        valueWhitespace = -1;
                    }
                    index++;
                }
                if (parameters[key] === undefined) {
                    const valueEnd = valueWhitespace === -1 ? index : valueWhitespace;
                    parameters[key] = header.slice(valueStart, valueEnd);
                }
                if (stop !== 0)
                    break parameter;
                continue parameter;
            }
            if ((flags & OWS) !== 0) {
                if (keyWhitespace === -1)
                    keyWhitespace = index;
            }
            else {
                keyWhitespace = -1;
            }
            keyFlags |= (code & NON_ASCII) | flags;
            index++;
        }
    }
    return { type, index, parameters };
}
/**
 * Remove backslashes from quoted pairs in a known-terminated quoted string body.
 */
function unescapeQuotedPairs(str, start, end) {
    let result = "";
    for (let index = start; index < end; index++) {
        if (str.charCodeAt(index) === BSLASH) {
            result += str.slice(start, index);
            start = ++index;
        }
    }
    return result + str.slice(start, end);
}
//# sourceMappingURL=index.js.map
;// CONCATENATED MODULE: ./node_modules/json-with-bigint/json-with-bigint.js
const intRegex = /^-?\d+$/;
const noiseValue = /^-?\d+n+$/; // Noise - strings that match the custom format before being converted to it
const originalStringify = JSON.stringify;
const originalParse = JSON.parse;
const customFormat = /^-?\d+n$/;

const bigIntsStringify = /([\[:])?"(-?\d+)n"($|\s*[,\}\]])/g;
const noiseStringify = /([\[:])?("-?\d+n+)n("$|"\s*[,\}\]])/g;

/**
 * @typedef {(this: any, key: string | number | undefined, value: any) => any} Replacer
 * @typedef {(key: string | number | undefined, value: any, context?: { source: string }) => any} Reviver
 */

/**
 * Checks if a value is unstringifiable according to native JSON.stringify rules.
 *
 * @param {any} val The value to check.
 * @returns {boolean} True if the value is undefined, a function, or a symbol.
 */
const isUnstringifiable = (val) =>
  val === undefined || typeof val === "function" || typeof val === "symbol";

/**
 * Checks if a value is a native JSON.rawJSON object (Node.js 22+).
 *
 * @param {any} val The value to check.
 * @returns {boolean} True if the value is a RawJSON instance.
 */
const isRawJSON = (val) =>
  val !== null &&
  typeof val === "object" &&
  val.constructor &&
  val.constructor.name === "RawJSON";

/**
 * Iteratively converts a JS value to a JSON string.
 * Used as a fallback when the native JSON.stringify hits the Maximum Call Stack size.
 * Fully compliant with JSON formatting (space), replacers, and toJSON behaviors.
 *
 * @param {any} rootValue The value to stringify.
 * @param {Replacer | Array<string | number> | null} [replacer] User's custom replacer function.
 * @param {string | number} [spaceParam] Indentation for pretty-printing.
 * @returns {string | undefined} The generated JSON string.
 */
const stringifyIteratively = (rootValue, replacer, spaceParam) => {
  let space = "";

  if (typeof spaceParam === "number") {
    space = " ".repeat(Math.min(10, Math.max(0, Math.floor(spaceParam))));
  } else if (typeof spaceParam === "string") {
    space = spaceParam.slice(0, 10);
  }

  const isFunctionReplacer = typeof replacer === "function";
  const propertyList = Array.isArray(replacer)
    ? new Set(replacer.map(String))
    : null;

  /**
   * Prepares a value for stringification by resolving toJSON, handling BigInts,
   * applying custom replacers, and unwrapping primitive objects.
   *
   * @param {object|Array} parent The parent object or array holding the value.
   * @param {string} key The key associated with the value.
   * @param {any} val The raw value to process.
   * @returns {any} The processed value ready for stringification.
   */
  const prepareVal = (parent, key, val) => {
    const isObject = val !== null && typeof val === "object";
    const hasToJSON = isObject && typeof val.toJSON === "function";

    if (hasToJSON) {
      val = val.toJSON(key);
    }

    const isNoise = typeof val === "string" && noiseValue.test(val);

    if (isNoise) return val + "n";

    const isBigInt = typeof val === "bigint";

    if (isBigInt) {
      const supportsRawJSON = "rawJSON" in JSON;

      if (supportsRawJSON) return JSON.rawJSON(val.toString());

      return val.toString() + "n";
    }

    if (isFunctionReplacer) {
      val = replacer.call(parent, key, val);
    }

    const isPostReplacerObject = val !== null && typeof val === "object";

    if (isPostReplacerObject) {
      const isPrimitiveWrapper =
        val instanceof Number ||
        val instanceof String ||
        val instanceof Boolean;

      if (isPrimitiveWrapper) {
        val = val.valueOf();
      }
    }

    return val;
  };

  const rootProcessed = prepareVal({ "": rootValue }, "", rootValue);

  if (isUnstringifiable(rootProcessed)) {
    return undefined;
  }

  const isRootPrimitive =
    rootProcessed === null || typeof rootProcessed !== "object";
  const isRootNativeRawJSON = isRawJSON(rootProcessed);

  if (isRootPrimitive || isRootNativeRawJSON) {
    return originalStringify(rootProcessed);
  }

  const chunks = [];
  let level = 0;

  const stack = [
    {
      parent: { "": rootProcessed },
      key: "",
      val: rootProcessed,
      isArray: Array.isArray(rootProcessed),
      keys: Array.isArray(rootProcessed) ? null : Object.keys(rootProcessed),
      index: 0,
      first: true,
    },
  ];

  const visited = new WeakSet([rootProcessed]);

  while (stack.length > 0) {
    const node = stack[stack.length - 1];

    if (node.index === 0) {
      chunks.push(node.isArray ? "[" : "{");
      level++;
    }

    let isDone = false;

    if (node.isArray) {
      if (node.index < node.val.length) {
        if (!node.first) chunks.push(",");

        if (space) chunks.push("\n" + space.repeat(level));

        const childRaw = node.val[node.index];
        const childVal = prepareVal(node.val, String(node.index), childRaw);

        if (isUnstringifiable(childVal)) {
          chunks.push("null");
          node.first = false;
          node.index++;
        } else {
          const isComplexObject =
            childVal !== null && typeof childVal === "object";
          const isNativeRaw = isRawJSON(childVal);

          if (isComplexObject && !isNativeRaw) {
            if (visited.has(childVal)) {
              throw new TypeError("Converting circular structure to JSON");
            }

            visited.add(childVal);

            stack.push({
              parent: node.val,
              key: String(node.index),
              val: childVal,
              isArray: Array.isArray(childVal),
              keys: Array.isArray(childVal) ? null : Object.keys(childVal),
              index: 0,
              first: true,
            });

            node.first = false;
            node.index++;
          } else {
            chunks.push(originalStringify(childVal));
            node.first = false;
            node.index++;
          }
        }
      } else {
        isDone = true;
      }
    } else {
      while (node.index < node.keys.length) {
        const k = node.keys[node.index++];

        const isFilteredOutByArray = propertyList && !propertyList.has(k);

        if (isFilteredOutByArray) continue;

        const childRaw = node.val[k];
        const childVal = prepareVal(node.val, k, childRaw);

        if (isUnstringifiable(childVal)) continue;

        if (!node.first) chunks.push(",");

        if (space) {
          chunks.push("\n" + space.repeat(level) + originalStringify(k) + ": ");
        } else {
          chunks.push(originalStringify(k) + ":");
        }

        const isComplexObject =
          childVal !== null && typeof childVal === "object";
        const isNativeRaw = isRawJSON(childVal);

        if (isComplexObject && !isNativeRaw) {
          if (visited.has(childVal)) {
            throw new TypeError("Converting circular structure to JSON");
          }

          visited.add(childVal);

          stack.push({
            parent: node.val,
            key: k,
            val: childVal,
            isArray: Array.isArray(childVal),
            keys: Array.isArray(childVal) ? null : Object.keys(childVal),
            index: 0,
            first: true,
          });

          node.first = false;

          break; // Stop current loop level to process the newly pushed stack node
        } else {
          chunks.push(originalStringify(childVal));
          node.first = false;
        }
      }

      const isNodeFullyProcessed =
        node.index >= node.keys.length && stack[stack.length - 1] === node;

      if (isNodeFullyProcessed) {
        isDone = true;
      }
    }

    if (isDone) {
      level--;

      if (!node.first && space) chunks.push("\n" + space.repeat(level));

      chunks.push(node.isArray ? "]" : "}");
      visited.delete(node.val);
      stack.pop();
    }
  }

  return chunks.join("");
};

/**
 * Converts a JavaScript value to a JSON string.
 *
 * Supports serialization of BigInt values using two strategies:
 * 1. Custom format "123n" → "123" (universal fallback)
 * 2. Native JSON.rawJSON() (Node.js 22+, fastest) when available
 *
 * All other values are serialized exactly like native JSON.stringify().
 *
 * @param {*} value The value to convert to a JSON string.
 * @param {Replacer | Array<string | number> | null} [replacer]
 * A function that alters the behavior of the stringification process,
 * or an array of strings/numbers to indicate properties to exclude.
 * @param {string | number} [space]
 * A string or number to specify indentation or pretty-printing.
 * @returns {string} The JSON string representation.
 */
const JSONStringify = (value, replacer, space) => {
  try {
    const supportsRawJSON = "rawJSON" in JSON;

    if (supportsRawJSON) {
      return originalStringify(
        value,
        (key, val) => {
          if (typeof val === "bigint") return JSON.rawJSON(val.toString());

          const hasFunctionReplacer = typeof replacer === "function";

          if (hasFunctionReplacer) return replacer(key, val);

          const isKeyInArrayReplacer =
            Array.isArray(replacer) && replacer.includes(key);

          if (isKeyInArrayReplacer) return val;

          return val;
        },
        space,
      );
    }

    if (!value) return originalStringify(value, replacer, space);

    const convertedToCustomJSON = originalStringify(
      value,
      (key, val) => {
        const isNoise = typeof val === "string" && noiseValue.test(val);

        if (isNoise) return val.toString() + "n"; // Mark noise values with additional "n" to offset the deletion of one "n" during the processing

        if (typeof val === "bigint") return val.toString() + "n";

        const hasFunctionReplacer = typeof replacer === "function";

        if (hasFunctionReplacer) return replacer(key, val);

        const isKeyInArrayReplacer =
          Array.isArray(replacer) && replacer.includes(key);

        if (isKeyInArrayReplacer) return val;

        return val;
      },
      space,
    );

    const processedJSON = convertedToCustomJSON.replace(
      bigIntsStringify,
      "$1$2$3",
    ); // Delete one "n" off the end of every BigInt value

    const denoisedJSON = processedJSON.replace(noiseStringify, "$1$2$3"); // Remove one "n" off the end of every noisy string

    return denoisedJSON;
  } catch (error) {
    if (error instanceof RangeError) {
      const convertedJSON = stringifyIteratively(value, replacer, space);

      if (convertedJSON === undefined) return undefined;

      const supportsRawJSON = "rawJSON" in JSON;

      if (supportsRawJSON) return convertedJSON;

      const processedJSON = convertedJSON.replace(bigIntsStringify, "$1$2$3");

      return processedJSON.replace(noiseStringify, "$1$2$3");
    }

    throw error;
  }
};

const featureCache = new Map();

/**
 * Detects if the current JSON.parse implementation supports the context.source feature.
 *
 * Uses toString() fingerprinting to cache results and automatically detect runtime
 * replacements of JSON.parse (polyfills, mocks, etc.).
 *
 * @returns {boolean} true if context.source is supported, false otherwise.
 */
const isContextSourceSupported = () => {
  const parseFingerprint = JSON.parse.toString();

  if (featureCache.has(parseFingerprint)) {
    return featureCache.get(parseFingerprint);
  }

  try {
    const result = JSON.parse(
      "1",
      (_, __, context) => !!context?.source && context.source === "1",
    );
    featureCache.set(parseFingerprint, result);

    return result;
  } catch {
    featureCache.set(parseFingerprint, false);

    return false;
  }
};

/**
 * Reviver function that converts custom-format BigInt strings back to BigInt values.
 * Also handles "noise" strings that accidentally match the BigInt format.
 *
 * @param {string | number | undefined} key The object key.
 * @param {*} value The value being parsed.
 * @param {object} [context] Parse context (if supported by JSON.parse).
 * @param {Reviver} [userReviver] User's custom reviver function.
 * @returns {any} The transformed value.
 */
const convertMarkedBigIntsReviver = (key, value, context, userReviver) => {
  const isCustomFormatBigInt =
    typeof value === "string" && customFormat.test(value);

  if (isCustomFormatBigInt) return BigInt(value.slice(0, -1));

  const isNoiseValue = typeof value === "string" && noiseValue.test(value);
  if (isNoiseValue) return value.slice(0, -1);

  const hasUserReviver = typeof userReviver === "function";

  if (!hasUserReviver) return value;

  return userReviver(key, value, context);
};

/**
 * Fast JSON.parse implementation (~2x faster than classic fallback).
 * Uses JSON.parse's context.source feature to detect integers and convert
 * large numbers directly to BigInt without string manipulation.
 *
 * Does not support legacy custom format from v1 of this library.
 *
 * @param {string} text JSON string to parse.
 * @param {Reviver} [reviver] Transform function to apply to each value.
 * @returns {any} Parsed JavaScript value.
 */
const JSONParseV2 = (text, reviver) => {
  return JSON.parse(text, (key, value, context) => {
    const isNumber = typeof value === "number";
    const isOutOfBounds =
      value > Number.MAX_SAFE_INTEGER || value < Number.MIN_SAFE_INTEGER;
    const isBigNumber = isNumber && isOutOfBounds;
    const isInt = context && intRegex.test(context.source);
    const isBigInt = isBigNumber && isInt;

    if (isBigInt) return BigInt(context.source);

    const hasCustomReviver = typeof reviver === "function";

    if (!hasCustomReviver) return value;

    return reviver(key, value, context);
  });
};

const MAX_INT = Number.MAX_SAFE_INTEGER.toString();
const MAX_DIGITS = MAX_INT.length;
const stringsOrLargeNumbers =
  /"(?:[^"\\]|\\.)*"|-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/g;
const noiseValueWithQuotes = /^"-?\d+n+"$/; // Noise - strings that match the custom format before being converted to it

/**
 * Iteratively traverses the parsed object bottom-up (post-order),
 * emulating the native JSON.parse reviver behavior.
 * This avoids Call Stack overflows (RangeError) on deeply nested structures.
 *
 * @param {any} parsed The natively parsed JSON object.
 * @param {Reviver} [userReviver] User's custom reviver function.
 * @returns {any} The fully processed object.
 */
const applyReviverIteratively = (parsed, userReviver) => {
  const rootHolder = { "": parsed };
  const stack = [{ parent: rootHolder, key: "", visited: false }];

  while (stack.length > 0) {
    const node = stack[stack.length - 1];

    if (!node.visited) {
      node.visited = true;

      const value = node.parent[node.key];
      const isComplexObject = value !== null && typeof value === "object";

      if (isComplexObject) {
        const keys = Object.keys(value);

        for (let i = keys.length - 1; i >= 0; i--) {
          stack.push({ parent: value, key: keys[i], visited: false });
        }
      }
    } else {
      const { parent, key } = node;
      let value = parent[key];

      if (typeof value === "string") {
        const isCustomFormatBigInt = customFormat.test(value);

        if (isCustomFormatBigInt) {
          value = BigInt(value.slice(0, -1));
        } else {
          const isNoise = noiseValue.test(value);

          if (isNoise) value = value.slice(0, -1);
        }
      }

      const hasUserReviver = typeof userReviver === "function";

      if (hasUserReviver) {
        value = userReviver.call(parent, key, value);
      }

      const isDeleted = value === undefined;

      if (isDeleted) {
        delete parent[key];
      } else {
        parent[key] = value;
      }

      stack.pop();
    }
  }

  return rootHolder[""];
};

/**
 * Pre-processes the JSON string to mark large numbers with an 'n' suffix.
 *
 * @param {string} text The raw JSON string.
 * @returns {string} The serialized string with marked BigInts.
 */
const serializeBigInts = (text) => {
  return text.replace(
    stringsOrLargeNumbers,
    (match, digits, fractional, exponential) => {
      const isString = match[0] === '"';
      const isNoise = isString && noiseValueWithQuotes.test(match);

      if (isNoise) return match.substring(0, match.length - 1) + 'n"'; // Mark noise values with additional "n" to offset the deletion of one "n" during the processing

      const hasFractionalOrExponential = fractional || exponential;

      // With a fixed number of digits, we can correctly use lexicographical comparison to do a numeric comparison
      const isLessThanMaxSafeInt =
        digits &&
        (digits.length < MAX_DIGITS ||
          (digits.length === MAX_DIGITS && digits <= MAX_INT));

      const isStandardValue =
        isString || hasFractionalOrExponential || isLessThanMaxSafeInt;

      if (isStandardValue) return match;

      return '"' + match + 'n"';
    },
  );
};

/**
 * Converts a JSON string into a JavaScript value.
 *
 * Supports parsing of large integers using two strategies:
 * 1. Classic fallback: Marks large numbers with "123n" format, then converts to BigInt
 * 2. Fast path (JSONParseV2): Uses context.source feature (~2x faster) when available
 *
 * All other JSON values are parsed exactly like native JSON.parse().
 *
 * @param {string} text A valid JSON string.
 * @param {Reviver} [reviver]
 * A function that transforms the results. This function is called for each member
 * of the object. If a member contains nested objects, the nested objects are
 * transformed before the parent object is.
 * @returns {any} The parsed JavaScript value.
 * @throws {SyntaxError} If text is not valid JSON.
 */
const JSONParse = (text, reviver) => {
  if (!text) return originalParse(text, reviver);

  try {
    if (isContextSourceSupported()) return JSONParseV2(text, reviver); // Shortcut to a faster (2x) and simpler version

    // Find and mark big numbers with "n"
    const serializedData = serializeBigInts(text);

    return originalParse(serializedData, (key, value, context) =>
      convertMarkedBigIntsReviver(key, value, context, reviver),
    );
  } catch (error) {
    if (error instanceof RangeError) {
      const serializedData = serializeBigInts(text);
      const parsed = originalParse(serializedData);

      return applyReviverIteratively(parsed, reviver);
    }

    throw error;
  }
};



;// CONCATENATED MODULE: ./node_modules/@octokit/request-error/dist-src/index.js
class RequestError extends Error {
  name;
  /**
   * http status code
   */
  status;
  /**
   * Request options that lead to the error.
   */
  request;
  /**
   * Response object if a response was received
   */
  response;
  constructor(message, statusCode, options) {
    super(message, { cause: options.cause });
    this.name = "HttpError";
    this.status = Number.parseInt(statusCode);
    if (Number.isNaN(this.status)) {
      this.status = 0;
    }
    /* v8 ignore else -- @preserve -- Bug with vitest coverage where it sees an else branch that doesn't exist */
    if ("response" in options) {
      this.response = options.response;
    }
    const requestCopy = Object.assign({}, options.request);
    if (options.request.headers.authorization) {
      requestCopy.headers = Object.assign({}, options.request.headers, {
        authorization: options.request.headers.authorization.replace(
          /(?<! ) .*$/,
          " [REDACTED]"
        )
      });
    }
    requestCopy.url = requestCopy.url.replace(/\bclient_secret=\w+/g, "client_secret=[REDACTED]").replace(/\baccess_token=\w+/g, "access_token=[REDACTED]");
    this.request = requestCopy;
  }
}


;// CONCATENATED MODULE: ./node_modules/@octokit/request/dist-bundle/index.js
// pkg/dist-src/index.js


// pkg/dist-src/defaults.js


// pkg/dist-src/version.js
var dist_bundle_VERSION = "10.0.16";

// pkg/dist-src/defaults.js
var defaults_default = {
  headers: {
    "user-agent": `octokit-request.js/${dist_bundle_VERSION} ${getUserAgent()}`
  }
};

// pkg/dist-src/fetch-wrapper.js



// pkg/dist-src/is-plain-object.js
function dist_bundle_isPlainObject(value) {
  if (typeof value !== "object" || value === null) return false;
  if (Object.prototype.toString.call(value) !== "[object Object]") return false;
  const proto = Object.getPrototypeOf(value);
  if (proto === null) return true;
  const Ctor = Object.prototype.hasOwnProperty.call(proto, "constructor") && proto.constructor;
  return typeof Ctor === "function" && Ctor instanceof Ctor && Function.prototype.call(Ctor) === Function.prototype.call(value);
}

// pkg/dist-src/fetch-wrapper.js

var noop = () => "";
async function fetchWrapper(requestOptions) {
  const fetch = requestOptions.request?.fetch || globalThis.fetch;
  if (!fetch) {
    throw new Error(
      "fetch is not set. Please pass a fetch implementation as new Octokit({ request: { fetch }}). Learn more at https://github.com/octokit/octokit.js/#fetch-missing"
    );
  }
  const log = requestOptions.request?.log || console;
  const parseSuccessResponseBody = requestOptions.request?.parseSuccessResponseBody !== false;
  const body = dist_bundle_isPlainObject(requestOptions.body) || Array.isArray(requestOptions.body) ? JSONStringify(requestOptions.body) : requestOptions.body;
  const requestHeaders = Object.fromEntries(
    Object.entries(requestOptions.headers).map(([name, value]) => [
      name,
      String(value)
    ])
  );
  let fetchResponse;
  try {
    fetchResponse = await fetch(requestOptions.url, {
      method: requestOptions.method,
      body,
      redirect: requestOptions.request?.redirect,
      headers: requestHeaders,
      signal: requestOptions.request?.signal,
      // duplex must be set if request.body is ReadableStream or Async Iterables.
      // See https://fetch.spec.whatwg.org/#dom-requestinit-duplex.
      ...requestOptions.body && { duplex: "half" }
    });
  } catch (error) {
    let message = "Unknown Error";
    if (error instanceof Error) {
      if (error.name === "AbortError") {
        error.status = 500;
        throw error;
      }
      message = error.message;
      if (error.name === "TypeError" && "cause" in error) {
        if (error.cause instanceof Error) {
          message = error.cause.message;
        } else if (typeof error.cause === "string") {
          message = error.cause;
        }
      }
    }
    const requestError = new RequestError(message, 500, {
      request: requestOptions
    });
    requestError.cause = error;
    throw requestError;
  }
  const status = fetchResponse.status;
  const url = fetchResponse.url;
  const responseHeaders = {};
  for (const [key, value] of fetchResponse.headers) {
    responseHeaders[key] = value;
  }
  const octokitResponse = {
    url,
    status,
    headers: responseHeaders,
    data: ""
  };
  if ("deprecation" in responseHeaders) {
    const matches = responseHeaders.link && responseHeaders.link.match(/<([^<>]+)>; rel="deprecation"/);
    const deprecationLink = matches && matches.pop();
    log.warn(
      `[@octokit/request] "${requestOptions.method} ${requestOptions.url}" is deprecated. It is scheduled to be removed on ${responseHeaders.sunset}${deprecationLink ? `. See ${deprecationLink}` : ""}`
    );
  }
  if (status === 204 || status === 205) {
    return octokitResponse;
  }
  if (requestOptions.method === "HEAD") {
    if (status < 400) {
      return octokitResponse;
    }
    throw new RequestError(fetchResponse.statusText, status, {
      response: octokitResponse,
      request: requestOptions
    });
  }
  if (status === 304) {
    octokitResponse.data = await getResponseData(fetchResponse);
    throw new RequestError("Not modified", status, {
      response: octokitResponse,
      request: requestOptions
    });
  }
  if (status >= 400) {
    octokitResponse.data = await getResponseData(fetchResponse);
    throw new RequestError(toErrorMessage(octokitResponse.data), status, {
      response: octokitResponse,
      request: requestOptions
    });
  }
  octokitResponse.data = parseSuccessResponseBody ? await getResponseData(fetchResponse) : fetchResponse.body;
  return octokitResponse;
}
async function getResponseData(response) {
  const contentType = response.headers.get("content-type");
  if (!contentType) {
    return response.text().catch(noop);
  }
  const mimetype = dist_parse(contentType);
  if (isJSONResponse(mimetype)) {
    let text = "";
    try {
      text = await response.text();
      return JSONParse(text);
    } catch (err) {
      return text;
    }
  } else if (mimetype.type.startsWith("text/") || // `application/octet-stream` is the canonical "arbitrary binary" type
  // (RFC 2046) and must never be decoded as text, even when the response
  // carries a (misleading) `charset=utf-8` parameter — see #751.
  mimetype.parameters.charset?.toLowerCase() === "utf-8" && mimetype.type !== "application/octet-stream") {
    return response.text().catch(noop);
  } else {
    return response.arrayBuffer().catch(
      /* v8 ignore next -- @preserve */
      () => new ArrayBuffer(0)
    );
  }
}
function isJSONResponse(mimetype) {
  return mimetype.type === "application/json" || mimetype.type === "application/scim+json";
}
function toErrorMessage(data) {
  if (typeof data === "string") {
    return data;
  }
  if (data instanceof ArrayBuffer) {
    return "Unknown error";
  }
  if (typeof data === "object" && data !== null && "message" in data) {
    const objectData = data;
    const suffix = "documentation_url" in objectData ? ` - ${objectData.documentation_url}` : "";
    return Array.isArray(objectData.errors) ? `${objectData.message}: ${objectData.errors.map((v) => JSON.stringify(v)).join(", ")}${suffix}` : `${objectData.message}${suffix}`;
  }
  return `Unknown error: ${JSON.stringify(data)}`;
}

// pkg/dist-src/with-defaults.js
function dist_bundle_withDefaults(oldEndpoint, newDefaults) {
  const endpoint2 = oldEndpoint.defaults(newDefaults);
  const newApi = function(route, parameters) {
    const endpointOptions = endpoint2.merge(route, parameters);
    if (!endpointOptions.request || !endpointOptions.request.hook) {
      return fetchWrapper(endpoint2.parse(endpointOptions));
    }
    const request2 = (route2, parameters2) => {
      return fetchWrapper(
        endpoint2.parse(endpoint2.merge(route2, parameters2))
      );
    };
    Object.assign(request2, {
      endpoint: endpoint2,
      defaults: dist_bundle_withDefaults.bind(null, endpoint2)
    });
    return endpointOptions.request.hook(request2, endpointOptions);
  };
  return Object.assign(newApi, {
    endpoint: endpoint2,
    defaults: dist_bundle_withDefaults.bind(null, endpoint2)
  });
}

// pkg/dist-src/index.js
var dist_bundle_request = dist_bundle_withDefaults(endpoint, defaults_default);

/* v8 ignore next -- @preserve */
/* v8 ignore else -- @preserve */

;// CONCATENATED MODULE: ./node_modules/@octokit/oauth-methods/dist-bundle/index.js
// pkg/dist-src/version.js
var oauth_methods_dist_bundle_VERSION = "0.0.0-development";

// pkg/dist-src/get-web-flow-authorization-url.js



// pkg/dist-src/utils.js

function requestToOAuthBaseUrl(request) {
  const endpointDefaults = request.endpoint.DEFAULTS;
  if (/^https:\/\/(api\.)?github\.com$/.test(endpointDefaults.baseUrl)) {
    return "https://github.com";
  }
  if (/^https:\/\/api\..*\.ghe\.com$/.test(endpointDefaults.baseUrl)) {
    return endpointDefaults.baseUrl.replace("api.", "");
  }
  return endpointDefaults.baseUrl.replace("/api/v3", "");
}
async function oauthRequest(request, route, parameters) {
  const withOAuthParameters = {
    baseUrl: requestToOAuthBaseUrl(request),
    headers: {
      accept: "application/json"
    },
    ...parameters
  };
  const response = await request(route, withOAuthParameters);
  if ("error" in response.data) {
    const error = new RequestError(
      `${response.data.error_description} (${response.data.error}, ${response.data.error_uri})`,
      400,
      {
        request: request.endpoint.merge(
          route,
          withOAuthParameters
        )
      }
    );
    error.response = response;
    throw error;
  }
  return response;
}

// pkg/dist-src/get-web-flow-authorization-url.js
function getWebFlowAuthorizationUrl({
  request = defaultRequest,
  ...options
}) {
  const baseUrl = requestToOAuthBaseUrl(request);
  return oauthAuthorizationUrl({
    ...options,
    baseUrl
  });
}

// pkg/dist-src/exchange-web-flow-code.js

async function exchangeWebFlowCode(options) {
  const request = options.request || dist_bundle_request;
  const response = await oauthRequest(
    request,
    "POST /login/oauth/access_token",
    {
      client_id: options.clientId,
      client_secret: options.clientSecret,
      code: options.code,
      redirect_uri: options.redirectUrl
    }
  );
  const authentication = {
    clientType: options.clientType,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    token: response.data.access_token,
    scopes: response.data.scope.split(/\s+/).filter(Boolean)
  };
  if (options.clientType === "github-app") {
    if ("refresh_token" in response.data) {
      const apiTimeInMs = new Date(response.headers.date).getTime();
      authentication.refreshToken = response.data.refresh_token, authentication.expiresAt = toTimestamp(
        apiTimeInMs,
        response.data.expires_in
      ), authentication.refreshTokenExpiresAt = toTimestamp(
        apiTimeInMs,
        response.data.refresh_token_expires_in
      );
    }
    delete authentication.scopes;
  }
  return { ...response, authentication };
}
function toTimestamp(apiTimeInMs, expirationInSeconds) {
  return new Date(apiTimeInMs + expirationInSeconds * 1e3).toISOString();
}

// pkg/dist-src/create-device-code.js

async function createDeviceCode(options) {
  const request = options.request || dist_bundle_request;
  const parameters = {
    client_id: options.clientId
  };
  if ("scopes" in options && Array.isArray(options.scopes)) {
    parameters.scope = options.scopes.join(" ");
  }
  return oauthRequest(request, "POST /login/device/code", parameters);
}

// pkg/dist-src/exchange-device-code.js

async function exchangeDeviceCode(options) {
  const request = options.request || dist_bundle_request;
  const response = await oauthRequest(
    request,
    "POST /login/oauth/access_token",
    {
      client_id: options.clientId,
      device_code: options.code,
      grant_type: "urn:ietf:params:oauth:grant-type:device_code"
    }
  );
  const authentication = {
    clientType: options.clientType,
    clientId: options.clientId,
    token: response.data.access_token,
    scopes: response.data.scope.split(/\s+/).filter(Boolean)
  };
  if ("clientSecret" in options) {
    authentication.clientSecret = options.clientSecret;
  }
  if (options.clientType === "github-app") {
    if ("refresh_token" in response.data) {
      const apiTimeInMs = new Date(response.headers.date).getTime();
      authentication.refreshToken = response.data.refresh_token, authentication.expiresAt = toTimestamp2(
        apiTimeInMs,
        response.data.expires_in
      ), authentication.refreshTokenExpiresAt = toTimestamp2(
        apiTimeInMs,
        response.data.refresh_token_expires_in
      );
    }
    delete authentication.scopes;
  }
  return { ...response, authentication };
}
function toTimestamp2(apiTimeInMs, expirationInSeconds) {
  return new Date(apiTimeInMs + expirationInSeconds * 1e3).toISOString();
}

// pkg/dist-src/check-token.js

async function checkToken(options) {
  const request = options.request || dist_bundle_request;
  const response = await request("POST /applications/{client_id}/token", {
    headers: {
      authorization: `basic ${btoa(
        `${options.clientId}:${options.clientSecret}`
      )}`
    },
    client_id: options.clientId,
    access_token: options.token
  });
  const authentication = {
    clientType: options.clientType,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    token: options.token,
    scopes: response.data.scopes
  };
  if (response.data.expires_at)
    authentication.expiresAt = response.data.expires_at;
  if (options.clientType === "github-app") {
    delete authentication.scopes;
  }
  return { ...response, authentication };
}

// pkg/dist-src/refresh-token.js

async function refreshToken(options) {
  const request = options.request || dist_bundle_request;
  const response = await oauthRequest(
    request,
    "POST /login/oauth/access_token",
    {
      client_id: options.clientId,
      client_secret: options.clientSecret,
      grant_type: "refresh_token",
      refresh_token: options.refreshToken
    }
  );
  const apiTimeInMs = new Date(response.headers.date).getTime();
  const authentication = {
    clientType: "github-app",
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    token: response.data.access_token,
    refreshToken: response.data.refresh_token,
    expiresAt: toTimestamp3(apiTimeInMs, response.data.expires_in),
    refreshTokenExpiresAt: toTimestamp3(
      apiTimeInMs,
      response.data.refresh_token_expires_in
    )
  };
  return { ...response, authentication };
}
function toTimestamp3(apiTimeInMs, expirationInSeconds) {
  return new Date(apiTimeInMs + expirationInSeconds * 1e3).toISOString();
}

// pkg/dist-src/scope-token.js

async function scopeToken(options) {
  const {
    request: optionsRequest,
    clientType,
    clientId,
    clientSecret,
    token,
    ...requestOptions
  } = options;
  const request = options.request || defaultRequest7;
  const response = await request(
    "POST /applications/{client_id}/token/scoped",
    {
      headers: {
        authorization: `basic ${btoa(`${clientId}:${clientSecret}`)}`
      },
      client_id: clientId,
      access_token: token,
      ...requestOptions
    }
  );
  const authentication = Object.assign(
    {
      clientType,
      clientId,
      clientSecret,
      token: response.data.token
    },
    response.data.expires_at ? { expiresAt: response.data.expires_at } : {}
  );
  return { ...response, authentication };
}

// pkg/dist-src/reset-token.js

async function resetToken(options) {
  const request = options.request || dist_bundle_request;
  const auth = btoa(`${options.clientId}:${options.clientSecret}`);
  const response = await request(
    "PATCH /applications/{client_id}/token",
    {
      headers: {
        authorization: `basic ${auth}`
      },
      client_id: options.clientId,
      access_token: options.token
    }
  );
  const authentication = {
    clientType: options.clientType,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    token: response.data.token,
    scopes: response.data.scopes
  };
  if (response.data.expires_at)
    authentication.expiresAt = response.data.expires_at;
  if (options.clientType === "github-app") {
    delete authentication.scopes;
  }
  return { ...response, authentication };
}

// pkg/dist-src/delete-token.js

async function deleteToken(options) {
  const request = options.request || dist_bundle_request;
  const auth = btoa(`${options.clientId}:${options.clientSecret}`);
  return request(
    "DELETE /applications/{client_id}/token",
    {
      headers: {
        authorization: `basic ${auth}`
      },
      client_id: options.clientId,
      access_token: options.token
    }
  );
}

// pkg/dist-src/delete-authorization.js

async function deleteAuthorization(options) {
  const request = options.request || dist_bundle_request;
  const auth = btoa(`${options.clientId}:${options.clientSecret}`);
  return request(
    "DELETE /applications/{client_id}/grant",
    {
      headers: {
        authorization: `basic ${auth}`
      },
      client_id: options.clientId,
      access_token: options.token
    }
  );
}

/* v8 ignore next: we always pass a custom request in tests -- @preserve */

;// CONCATENATED MODULE: ./node_modules/@octokit/auth-oauth-device/dist-bundle/index.js
// pkg/dist-src/index.js



// pkg/dist-src/get-oauth-access-token.js

async function getOAuthAccessToken(state, options) {
  const cachedAuthentication = getCachedAuthentication(state, options.auth);
  if (cachedAuthentication) return cachedAuthentication;
  const { data: verification } = await createDeviceCode({
    clientType: state.clientType,
    clientId: state.clientId,
    request: options.request || state.request,
    // @ts-expect-error the extra code to make TS happy is not worth it
    scopes: options.auth.scopes || state.scopes
  });
  await state.onVerification(verification);
  const authentication = await waitForAccessToken(
    options.request || state.request,
    state.clientId,
    state.clientType,
    verification
  );
  state.authentication = authentication;
  return authentication;
}
function getCachedAuthentication(state, auth2) {
  if (auth2.refresh === true) return false;
  if (!state.authentication) return false;
  if (state.clientType === "github-app") {
    return state.authentication;
  }
  const authentication = state.authentication;
  const newScope = ("scopes" in auth2 && auth2.scopes || state.scopes).join(
    " "
  );
  const currentScope = authentication.scopes.join(" ");
  return newScope === currentScope ? authentication : false;
}
async function wait(seconds) {
  await new Promise((resolve) => setTimeout(resolve, seconds * 1e3));
}
async function waitForAccessToken(request, clientId, clientType, verification) {
  try {
    const options = {
      clientId,
      request,
      code: verification.device_code
    };
    const { authentication } = clientType === "oauth-app" ? await exchangeDeviceCode({
      ...options,
      clientType: "oauth-app"
    }) : await exchangeDeviceCode({
      ...options,
      clientType: "github-app"
    });
    return {
      type: "token",
      tokenType: "oauth",
      ...authentication
    };
  } catch (error) {
    if (!error.response) throw error;
    const errorType = error.response.data.error;
    if (errorType === "authorization_pending") {
      await wait(verification.interval);
      return waitForAccessToken(request, clientId, clientType, verification);
    }
    if (errorType === "slow_down") {
      await wait(verification.interval + 7);
      return waitForAccessToken(request, clientId, clientType, verification);
    }
    throw error;
  }
}

// pkg/dist-src/auth.js
async function auth(state, authOptions) {
  return getOAuthAccessToken(state, {
    auth: authOptions
  });
}

// pkg/dist-src/hook.js
async function hook(state, request, route, parameters) {
  let endpoint = request.endpoint.merge(
    route,
    parameters
  );
  if (/\/login\/(oauth\/access_token|device\/code)$/.test(endpoint.url)) {
    return request(endpoint);
  }
  const { token } = await getOAuthAccessToken(state, {
    request,
    auth: { type: "oauth" }
  });
  endpoint.headers.authorization = `token ${token}`;
  return request(endpoint);
}

// pkg/dist-src/version.js
var auth_oauth_device_dist_bundle_VERSION = "0.0.0-development";

// pkg/dist-src/index.js
function createOAuthDeviceAuth(options) {
  const requestWithDefaults = options.request || dist_bundle_request.defaults({
    headers: {
      "user-agent": `octokit-auth-oauth-device.js/${auth_oauth_device_dist_bundle_VERSION} ${getUserAgent()}`
    }
  });
  const { request = requestWithDefaults, ...otherOptions } = options;
  const state = options.clientType === "github-app" ? {
    ...otherOptions,
    clientType: "github-app",
    request
  } : {
    ...otherOptions,
    clientType: "oauth-app",
    request,
    scopes: options.scopes || []
  };
  if (!options.clientId) {
    throw new Error(
      '[@octokit/auth-oauth-device] "clientId" option must be set (https://github.com/octokit/auth-oauth-device.js#usage)'
    );
  }
  if (!options.onVerification) {
    throw new Error(
      '[@octokit/auth-oauth-device] "onVerification" option must be a function (https://github.com/octokit/auth-oauth-device.js#usage)'
    );
  }
  return Object.assign(auth.bind(null, state), {
    hook: hook.bind(null, state)
  });
}

/* v8 ignore next 2 -- @preserve */

;// CONCATENATED MODULE: ./node_modules/@octokit/auth-oauth-user/dist-bundle/index.js
// pkg/dist-src/index.js



// pkg/dist-src/version.js
var auth_oauth_user_dist_bundle_VERSION = "0.0.0-development";

// pkg/dist-src/get-authentication.js


async function getAuthentication(state) {
  if ("code" in state.strategyOptions) {
    const { authentication } = await exchangeWebFlowCode({
      clientId: state.clientId,
      clientSecret: state.clientSecret,
      clientType: state.clientType,
      onTokenCreated: state.onTokenCreated,
      ...state.strategyOptions,
      request: state.request
    });
    return {
      type: "token",
      tokenType: "oauth",
      ...authentication
    };
  }
  if ("onVerification" in state.strategyOptions) {
    const deviceAuth = createOAuthDeviceAuth({
      clientType: state.clientType,
      clientId: state.clientId,
      onTokenCreated: state.onTokenCreated,
      ...state.strategyOptions,
      request: state.request
    });
    const authentication = await deviceAuth({
      type: "oauth"
    });
    return {
      clientSecret: state.clientSecret,
      ...authentication
    };
  }
  if ("token" in state.strategyOptions) {
    return {
      type: "token",
      tokenType: "oauth",
      clientId: state.clientId,
      clientSecret: state.clientSecret,
      clientType: state.clientType,
      onTokenCreated: state.onTokenCreated,
      ...state.strategyOptions
    };
  }
  throw new Error("[@octokit/auth-oauth-user] Invalid strategy options");
}

// pkg/dist-src/auth.js

async function dist_bundle_auth(state, options = {}) {
  if (!state.authentication) {
    state.authentication = state.clientType === "oauth-app" ? await getAuthentication(state) : await getAuthentication(state);
  }
  if (state.authentication.invalid) {
    throw new Error("[@octokit/auth-oauth-user] Token is invalid");
  }
  const currentAuthentication = state.authentication;
  if ("expiresAt" in currentAuthentication) {
    if (options.type === "refresh" || new Date(currentAuthentication.expiresAt) < /* @__PURE__ */ new Date()) {
      const { authentication } = await refreshToken({
        clientType: "github-app",
        clientId: state.clientId,
        clientSecret: state.clientSecret,
        refreshToken: currentAuthentication.refreshToken,
        request: state.request
      });
      state.authentication = {
        tokenType: "oauth",
        type: "token",
        ...authentication
      };
    }
  }
  if (options.type === "refresh") {
    if (state.clientType === "oauth-app") {
      throw new Error(
        "[@octokit/auth-oauth-user] OAuth Apps do not support expiring tokens"
      );
    }
    if (!currentAuthentication.hasOwnProperty("expiresAt")) {
      throw new Error("[@octokit/auth-oauth-user] Refresh token missing");
    }
    await state.onTokenCreated?.(state.authentication, {
      type: options.type
    });
  }
  if (options.type === "check" || options.type === "reset") {
    const method = options.type === "check" ? checkToken : resetToken;
    try {
      const { authentication } = await method({
        // @ts-expect-error making TS happy would require unnecessary code so no
        clientType: state.clientType,
        clientId: state.clientId,
        clientSecret: state.clientSecret,
        token: state.authentication.token,
        request: state.request
      });
      state.authentication = {
        tokenType: "oauth",
        type: "token",
        // @ts-expect-error TBD
        ...authentication
      };
      if (options.type === "reset") {
        await state.onTokenCreated?.(state.authentication, {
          type: options.type
        });
      }
      return state.authentication;
    } catch (error) {
      if (error.status === 404) {
        error.message = "[@octokit/auth-oauth-user] Token is invalid";
        state.authentication.invalid = true;
      }
      throw error;
    }
  }
  if (options.type === "delete" || options.type === "deleteAuthorization") {
    const method = options.type === "delete" ? deleteToken : deleteAuthorization;
    try {
      await method({
        // @ts-expect-error making TS happy would require unnecessary code so no
        clientType: state.clientType,
        clientId: state.clientId,
        clientSecret: state.clientSecret,
        token: state.authentication.token,
        request: state.request
      });
    } catch (error) {
      if (error.status !== 404) throw error;
    }
    state.authentication.invalid = true;
    return state.authentication;
  }
  return state.authentication;
}

// pkg/dist-src/requires-basic-auth.js
var ROUTES_REQUIRING_BASIC_AUTH = /\/applications\/[^/]+\/(token|grant)s?/;
function requiresBasicAuth(url) {
  return url && ROUTES_REQUIRING_BASIC_AUTH.test(url);
}

// pkg/dist-src/hook.js
async function dist_bundle_hook(state, request, route, parameters = {}) {
  const endpoint = request.endpoint.merge(
    route,
    parameters
  );
  if (/\/login\/(oauth\/access_token|device\/code)$/.test(endpoint.url)) {
    return request(endpoint);
  }
  if (requiresBasicAuth(endpoint.url)) {
    const credentials = btoa(`${state.clientId}:${state.clientSecret}`);
    endpoint.headers.authorization = `basic ${credentials}`;
    return request(endpoint);
  }
  const { token } = state.clientType === "oauth-app" ? await dist_bundle_auth({ ...state, request }) : await dist_bundle_auth({ ...state, request });
  endpoint.headers.authorization = "token " + token;
  return request(endpoint);
}

// pkg/dist-src/index.js
function createOAuthUserAuth({
  clientId,
  clientSecret,
  clientType = "oauth-app",
  request = dist_bundle_request.defaults({
    headers: {
      "user-agent": `octokit-auth-oauth-app.js/${auth_oauth_user_dist_bundle_VERSION} ${getUserAgent()}`
    }
  }),
  onTokenCreated,
  ...strategyOptions
}) {
  const state = Object.assign({
    clientType,
    clientId,
    clientSecret,
    onTokenCreated,
    strategyOptions,
    request
  });
  return Object.assign(dist_bundle_auth.bind(null, state), {
    // @ts-expect-error not worth the extra code needed to appease TS
    hook: dist_bundle_hook.bind(null, state)
  });
}
createOAuthUserAuth.VERSION = auth_oauth_user_dist_bundle_VERSION;

/* v8 ignore if -- @preserve */
/* v8 ignore next -- @preserve */

;// CONCATENATED MODULE: ./node_modules/@octokit/auth-oauth-app/dist-bundle/index.js
// pkg/dist-src/index.js



// pkg/dist-src/auth.js

async function auth_oauth_app_dist_bundle_auth(state, authOptions) {
  if (authOptions.type === "oauth-app") {
    return {
      type: "oauth-app",
      clientId: state.clientId,
      clientSecret: state.clientSecret,
      clientType: state.clientType,
      headers: {
        authorization: `basic ${btoa(
          `${state.clientId}:${state.clientSecret}`
        )}`
      }
    };
  }
  if ("factory" in authOptions) {
    const { type, ...options } = {
      ...authOptions,
      ...state
    };
    return authOptions.factory(options);
  }
  const common = {
    clientId: state.clientId,
    clientSecret: state.clientSecret,
    request: state.request,
    ...authOptions
  };
  const userAuth = state.clientType === "oauth-app" ? await createOAuthUserAuth({
    ...common,
    clientType: state.clientType
  }) : await createOAuthUserAuth({
    ...common,
    clientType: state.clientType
  });
  return userAuth();
}

// pkg/dist-src/hook.js

async function auth_oauth_app_dist_bundle_hook(state, request2, route, parameters) {
  let endpoint = request2.endpoint.merge(
    route,
    parameters
  );
  if (/\/login\/(oauth\/access_token|device\/code)$/.test(endpoint.url)) {
    return request2(endpoint);
  }
  if (state.clientType === "github-app" && !requiresBasicAuth(endpoint.url)) {
    throw new Error(
      `[@octokit/auth-oauth-app] GitHub Apps cannot use their client ID/secret for basic authentication for endpoints other than "/applications/{client_id}/**". "${endpoint.method} ${endpoint.url}" is not supported.`
    );
  }
  const credentials = btoa(`${state.clientId}:${state.clientSecret}`);
  endpoint.headers.authorization = `basic ${credentials}`;
  try {
    return await request2(endpoint);
  } catch (error) {
    if (error.status !== 401) throw error;
    error.message = `[@octokit/auth-oauth-app] "${endpoint.method} ${endpoint.url}" does not support clientId/clientSecret basic authentication.`;
    throw error;
  }
}

// pkg/dist-src/version.js
var auth_oauth_app_dist_bundle_VERSION = "0.0.0-development";

// pkg/dist-src/index.js

function createOAuthAppAuth(options) {
  const state = Object.assign(
    {
      request: dist_bundle_request.defaults({
        headers: {
          "user-agent": `octokit-auth-oauth-app.js/${auth_oauth_app_dist_bundle_VERSION} ${getUserAgent()}`
        }
      }),
      clientType: "oauth-app"
    },
    options
  );
  return Object.assign(auth_oauth_app_dist_bundle_auth.bind(null, state), {
    hook: auth_oauth_app_dist_bundle_hook.bind(null, state)
  });
}

/* v8 ignore next -- @preserve */

;// CONCATENATED MODULE: ./node_modules/universal-github-app-jwt/lib/utils.js
// we don't @ts-check here because it chokes on atob and btoa which are available in all modern JS runtime environments

/**
 * @param {string} privateKey
 * @returns {boolean}
 */
function isPkcs1(privateKey) {
  return privateKey.includes("-----BEGIN RSA PRIVATE KEY-----");
}

/**
 * @param {string} privateKey
 * @returns {boolean}
 */
function isOpenSsh(privateKey) {
  return privateKey.includes("-----BEGIN OPENSSH PRIVATE KEY-----");
}

/**
 * @param {string} str
 * @returns {ArrayBuffer}
 */
function string2ArrayBuffer(str) {
  const buf = new ArrayBuffer(str.length);
  const bufView = new Uint8Array(buf);
  for (let i = 0, strLen = str.length; i < strLen; i++) {
    bufView[i] = str.charCodeAt(i);
  }
  return buf;
}

/**
 * @param {string} pem
 * @returns {ArrayBuffer}
 */
function getDERfromPEM(pem) {
  const pemB64 = pem
    .trim()
    .split("\n")
    .slice(1, -1) // Remove the --- BEGIN / END PRIVATE KEY ---
    .join("");

  const decoded = atob(pemB64);
  return string2ArrayBuffer(decoded);
}

/**
 * @param {import('../internals').Header} header
 * @param {import('../internals').Payload} payload
 * @returns {string}
 */
function getEncodedMessage(header, payload) {
  return `${base64encodeJSON(header)}.${base64encodeJSON(payload)}`;
}

/**
 * @param {ArrayBuffer} buffer
 * @returns {string}
 */
function base64encode(buffer) {
  var binary = "";
  var bytes = new Uint8Array(buffer);
  var len = bytes.byteLength;
  for (var i = 0; i < len; i++) {
    binary += String.fromCharCode(bytes[i]);
  }

  return fromBase64(btoa(binary));
}

/**
 * @param {string} base64
 * @returns {string}
 */
function fromBase64(base64) {
  return base64.replace(/=/g, "").replace(/\+/g, "-").replace(/\//g, "_");
}

/**
 * @param {Record<string,unknown>} obj
 * @returns {string}
 */
function base64encodeJSON(obj) {
  return fromBase64(btoa(JSON.stringify(obj)));
}

;// CONCATENATED MODULE: ./node_modules/universal-github-app-jwt/lib/crypto-node.js
// this can be removed once we only support Node 20+





// no-op, unfortunately there is no way to transform from PKCS8 or OpenSSH to PKCS1 with WebCrypto
function convertPrivateKey(privateKey) {
  if (!isPkcs1(privateKey)) return privateKey;

  return (0,external_node_crypto_namespaceObject.createPrivateKey)(privateKey).export({
    type: "pkcs8",
    format: "pem",
  });
}

;// CONCATENATED MODULE: ./node_modules/universal-github-app-jwt/lib/get-token.js
// we don't @ts-check here because it chokes crypto which is a global API in modern JS runtime environments





/**
 * @param {import('../internals').GetTokenOptions} options
 * @returns {Promise<string>}
 */
async function getToken({ privateKey, payload }) {
  const convertedPrivateKey = convertPrivateKey(privateKey);

  // WebCrypto only supports PKCS#8, unfortunately
  /* c8 ignore start */
  if (isPkcs1(convertedPrivateKey)) {
    throw new Error(
      "[universal-github-app-jwt] Private Key is in PKCS#1 format, but only PKCS#8 is supported. See https://github.com/gr2m/universal-github-app-jwt#private-key-formats"
    );
  }
  /* c8 ignore stop */

  // WebCrypto does not support OpenSSH, unfortunately
  if (isOpenSsh(convertedPrivateKey)) {
    throw new Error(
      "[universal-github-app-jwt] Private Key is in OpenSSH format, but only PKCS#8 is supported. See https://github.com/gr2m/universal-github-app-jwt#private-key-formats"
    );
  }

  const algorithm = {
    name: "RSASSA-PKCS1-v1_5",
    hash: { name: "SHA-256" },
  };

  /** @type {import('../internals').Header} */
  const header = { alg: "RS256", typ: "JWT" };

  const privateKeyDER = getDERfromPEM(convertedPrivateKey);
  const importedKey = await external_node_crypto_namespaceObject.subtle.importKey(
    "pkcs8",
    privateKeyDER,
    algorithm,
    false,
    ["sign"]
  );

  const encodedMessage = getEncodedMessage(header, payload);
  const encodedMessageArrBuf = string2ArrayBuffer(encodedMessage);

  const signatureArrBuf = await external_node_crypto_namespaceObject.subtle.sign(
    algorithm.name,
    importedKey,
    encodedMessageArrBuf
  );

  const encodedSignature = base64encode(signatureArrBuf);

  return `${encodedMessage}.${encodedSignature}`;
}

;// CONCATENATED MODULE: ./node_modules/universal-github-app-jwt/index.js
// @ts-check

// @ts-ignore - #get-token is defined in "imports" in package.json


/**
 * @param {import(".").Options} options
 * @returns {Promise<import(".").Result>}
 */
async function githubAppJwt({
  id,
  privateKey,
  now = Math.floor(Date.now() / 1000),
}) {
  // Private keys are often times configured as environment variables, in which case line breaks are escaped using `\\n`.
  // Replace these here for convenience.
  const privateKeyWithNewlines = privateKey.replace(/\\n/g, '\n');

  // When creating a JSON Web Token, it sets the "issued at time" (iat) to 30s
  // in the past as we have seen people running situations where the GitHub API
  // claimed the iat would be in future. It turned out the clocks on the
  // different machine were not in sync.
  const nowWithSafetyMargin = now - 30;
  const expiration = nowWithSafetyMargin + 60 * 10; // JWT expiration time (10 minute maximum)

  const payload = {
    iat: nowWithSafetyMargin, // Issued at time
    exp: expiration,
    iss: id,
  };

  const token = await getToken({
    privateKey: privateKeyWithNewlines,
    payload,
  });

  return {
    appId: id,
    expiration,
    token,
  };
}

;// CONCATENATED MODULE: ./node_modules/toad-cache/dist/toad-cache.mjs
/**
 * toad-cache
 *
 * @copyright 2026 Igor Savin <kibertoad@gmail.com>
 * @license MIT
 * @version 3.7.3
 */
/**
 * Validates the shared cache constructor parameters.
 * Both values must be non-negative integers.
 *
 * @param {number} max
 * @param {number} ttlInMsecs
 */
function validateCacheParams(max, ttlInMsecs) {
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 0) {
    throw new Error('Invalid max value')
  }

  if (typeof ttlInMsecs !== 'number' || !Number.isInteger(ttlInMsecs) || ttlInMsecs < 0) {
    throw new Error('Invalid ttl value')
  }
}class FifoMap {
  constructor(max = 1000, ttlInMsecs = 0) {
    validateCacheParams(max, ttlInMsecs);

    this.first = null;
    this.items = new Map();
    this.last = null;
    this.max = max;
    this.ttl = ttlInMsecs;
  }

  get size() {
    return this.items.size
  }

  clear() {
    this.items.clear();
    this.first = null;
    this.last = null;
  }

  delete(key) {
    const deletedItem = this.items.get(key);

    if (deletedItem !== undefined) {
      this.items.delete(key);

      if (deletedItem.prev !== null) {
        deletedItem.prev.next = deletedItem.next;
      }

      if (deletedItem.next !== null) {
        deletedItem.next.prev = deletedItem.prev;
      }

      if (this.first === deletedItem) {
        this.first = deletedItem.next;
      }

      if (this.last === deletedItem) {
        this.last = deletedItem.prev;
      }
    }
  }

  deleteMany(keys) {
    for (var i = 0; i < keys.length; i++) {
      this.delete(keys[i]);
    }
  }

  evict() {
    if (this.size > 0) {
      const item = this.first;

      this.items.delete(item.key);

      if (this.size === 0) {
        this.first = null;
        this.last = null;
      } else {
        this.first = item.next;
        this.first.prev = null;
      }
    }
  }

  expiresAt(key) {
    const item = this.items.get(key);

    if (item !== undefined) {
      return item.expiry
    }
  }

  get(key) {
    const item = this.items.get(key);

    if (item !== undefined) {
      if (this.ttl > 0 && item.expiry <= Date.now()) {
        this.delete(key);
        return
      }

      return item.value
    }
  }

  getMany(keys) {
    const result = new Array(keys.length);

    for (var i = 0; i < keys.length; i++) {
      result[i] = this.get(keys[i]);
    }

    return result
  }

  keys() {
    return this.items.keys()
  }

  set(key, value) {
    // Replace existing item
    const existing = this.items.get(key);

    if (existing !== undefined) {
      existing.value = value;
      existing.expiry = this.ttl > 0 ? Date.now() + this.ttl : this.ttl;

      return
    }

    // Add new item
    if (this.max > 0 && this.size >= this.max) {
      this.evict();
    }

    const item = {
      expiry: this.ttl > 0 ? Date.now() + this.ttl : this.ttl,
      key: key,
      prev: this.last,
      next: null,
      value,
    };
    this.items.set(key, item);

    if (this.size === 1) {
      this.first = item;
    } else {
      this.last.next = item;
    }

    this.last = item;
  }
}class FifoObject {
  constructor(max = 1000, ttlInMsecs = 0) {
    validateCacheParams(max, ttlInMsecs);

    this.first = null;
    this.items = Object.create(null);
    this.last = null;
    this.size = 0;
    this.max = max;
    this.ttl = ttlInMsecs;
  }

  clear() {
    this.items = Object.create(null);
    this.first = null;
    this.last = null;
    this.size = 0;
  }

  delete(key) {
    const deletedItem = this.items[key];

    if (deletedItem !== undefined) {
      delete this.items[key];
      this.size--;

      if (deletedItem.prev !== null) {
        deletedItem.prev.next = deletedItem.next;
      }

      if (deletedItem.next !== null) {
        deletedItem.next.prev = deletedItem.prev;
      }

      if (this.first === deletedItem) {
        this.first = deletedItem.next;
      }

      if (this.last === deletedItem) {
        this.last = deletedItem.prev;
      }
    }
  }

  deleteMany(keys) {
    for (var i = 0; i < keys.length; i++) {
      this.delete(keys[i]);
    }
  }

  evict() {
    if (this.size > 0) {
      const item = this.first;

      delete this.items[item.key];

      if (--this.size === 0) {
        this.first = null;
        this.last = null;
      } else {
        this.first = item.next;
        this.first.prev = null;
      }
    }
  }

  expiresAt(key) {
    const item = this.items[key];

    if (item !== undefined) {
      return item.expiry
    }
  }

  get(key) {
    const item = this.items[key];

    if (item !== undefined) {
      if (this.ttl > 0 && item.expiry <= Date.now()) {
        this.delete(key);
        return
      }

      return item.value
    }
  }

  getMany(keys) {
    const result = new Array(keys.length);

    for (var i = 0; i < keys.length; i++) {
      result[i] = this.get(keys[i]);
    }

    return result
  }

  keys() {
    return Object.keys(this.items)
  }

  set(key, value) {
    // Replace existing item
    const existing = this.items[key];

    if (existing !== undefined) {
      existing.value = value;
      existing.expiry = this.ttl > 0 ? Date.now() + this.ttl : this.ttl;

      return
    }

    // Add new item
    if (this.max > 0 && this.size >= this.max) {
      this.evict();
    }

    const item = {
      expiry: this.ttl > 0 ? Date.now() + this.ttl : this.ttl,
      key: key,
      prev: this.last,
      next: null,
      value,
    };
    this.items[key] = item;

    if (++this.size === 1) {
      this.first = item;
    } else {
      this.last.next = item;
    }

    this.last = item;
  }
}/**
 * Creates a zeroed statistics record for a single collection window.
 *
 * @returns {object}
 */
function createEmptyStatisticsRecord() {
  return {
    cacheSize: 0,
    hits: 0,
    falsyHits: 0,
    emptyHits: 0,
    misses: 0,
    expirations: 0,
    evictions: 0,
    invalidateOne: 0,
    invalidateAll: 0,
    sets: 0,
  }
}class HitStatisticsRecord {
  constructor() {
    this.records = {};
  }

  initForCache(cacheId, currentTimeStamp) {
    this.records[cacheId] = {
      [currentTimeStamp]: createEmptyStatisticsRecord(),
    };
  }

  resetForCache(cacheId) {
    if (!this.records[cacheId]) {
      return
    }

    for (let key of Object.keys(this.records[cacheId])) {
      this.records[cacheId][key] = createEmptyStatisticsRecord();
    }
  }

  getStatistics() {
    return this.records
  }
}class LruMap {
  constructor(max = 1000, ttlInMsecs = 0) {
    validateCacheParams(max, ttlInMsecs);

    this.first = null;
    this.items = new Map();
    this.last = null;
    this.max = max;
    this.ttl = ttlInMsecs;
  }

  get size() {
    return this.items.size
  }

  bumpLru(item) {
    if (this.last === item) {
      return // Item is already the last one, no need to bump
    }

    const last = this.last;
    const next = item.next;
    const prev = item.prev;

    if (this.first === item) {
      this.first = next;
    }

    item.next = null;
    item.prev = last;
    last.next = item;

    if (prev !== null) {
      prev.next = next;
    }

    /* v8 ignore next 3 -- next is always non-null here: the early return above guarantees item !== this.last in a well-formed list */
    if (next !== null) {
      next.prev = prev;
    }

    this.last = item;
  }

  clear() {
    this.items.clear();
    this.first = null;
    this.last = null;
  }

  delete(key) {
    const item = this.items.get(key);

    if (item !== undefined) {
      this.items.delete(key);

      if (item.prev !== null) {
        item.prev.next = item.next;
      }

      if (item.next !== null) {
        item.next.prev = item.prev;
      }

      if (this.first === item) {
        this.first = item.next;
      }

      if (this.last === item) {
        this.last = item.prev;
      }
    }
  }

  deleteMany(keys) {
    for (var i = 0; i < keys.length; i++) {
      this.delete(keys[i]);
    }
  }

  evict() {
    if (this.size > 0) {
      const item = this.first;

      this.items.delete(item.key);

      if (this.size === 0) {
        this.first = null;
        this.last = null;
      } else {
        this.first = item.next;
        this.first.prev = null;
      }
    }
  }

  expiresAt(key) {
    const item = this.items.get(key);

    if (item !== undefined) {
      return item.expiry
    }
  }

  get(key) {
    const item = this.items.get(key);

    if (item !== undefined) {
      // Item has already expired
      if (this.ttl > 0 && item.expiry <= Date.now()) {
        this.delete(key);
        return
      }

      // Item is still fresh
      this.bumpLru(item);
      return item.value
    }
  }

  getMany(keys) {
    const result = new Array(keys.length);

    for (var i = 0; i < keys.length; i++) {
      result[i] = this.get(keys[i]);
    }

    return result
  }

  keys() {
    return this.items.keys()
  }

  set(key, value) {
    // Replace existing item
    const existing = this.items.get(key);

    if (existing !== undefined) {
      existing.value = value;
      existing.expiry = this.ttl > 0 ? Date.now() + this.ttl : this.ttl;
      this.bumpLru(existing);

      return
    }

    // Add new item
    if (this.max > 0 && this.size >= this.max) {
      this.evict();
    }

    const item = {
      expiry: this.ttl > 0 ? Date.now() + this.ttl : this.ttl,
      key: key,
      prev: this.last,
      next: null,
      value,
    };
    this.items.set(key, item);

    if (this.size === 1) {
      this.first = item;
    } else {
      this.last.next = item;
    }

    this.last = item;
  }
}class LruObject {
  constructor(max = 1000, ttlInMsecs = 0) {
    validateCacheParams(max, ttlInMsecs);

    this.first = null;
    this.items = Object.create(null);
    this.last = null;
    this.size = 0;
    this.max = max;
    this.ttl = ttlInMsecs;
  }

  bumpLru(item) {
    if (this.last === item) {
      return // Item is already the last one, no need to bump
    }

    const last = this.last;
    const next = item.next;
    const prev = item.prev;

    if (this.first === item) {
      this.first = next;
    }

    item.next = null;
    item.prev = last;
    last.next = item;

    if (prev !== null) {
      prev.next = next;
    }

    /* v8 ignore next 3 -- next is always non-null here: the early return above guarantees item !== this.last in a well-formed list */
    if (next !== null) {
      next.prev = prev;
    }

    this.last = item;
  }

  clear() {
    this.items = Object.create(null);
    this.first = null;
    this.last = null;
    this.size = 0;
  }

  delete(key) {
    const item = this.items[key];

    if (item !== undefined) {
      delete this.items[key];
      this.size--;

      if (item.prev !== null) {
        item.prev.next = item.next;
      }

      if (item.next !== null) {
        item.next.prev = item.prev;
      }

      if (this.first === item) {
        this.first = item.next;
      }

      if (this.last === item) {
        this.last = item.prev;
      }
    }
  }

  deleteMany(keys) {
    for (var i = 0; i < keys.length; i++) {
      this.delete(keys[i]);
    }
  }

  evict() {
    if (this.size > 0) {
      const item = this.first;

      delete this.items[item.key];

      if (--this.size === 0) {
        this.first = null;
        this.last = null;
      } else {
        this.first = item.next;
        this.first.prev = null;
      }
    }
  }

  expiresAt(key) {
    const item = this.items[key];

    if (item !== undefined) {
      return item.expiry
    }
  }

  get(key) {
    const item = this.items[key];

    if (item !== undefined) {
      // Item has already expired
      if (this.ttl > 0 && item.expiry <= Date.now()) {
        this.delete(key);
        return
      }

      // Item is still fresh
      this.bumpLru(item);
      return item.value
    }
  }

  getMany(keys) {
    const result = new Array(keys.length);

    for (var i = 0; i < keys.length; i++) {
      result[i] = this.get(keys[i]);
    }

    return result
  }

  keys() {
    return Object.keys(this.items)
  }

  set(key, value) {
    // Replace existing item
    const existing = this.items[key];

    if (existing !== undefined) {
      existing.value = value;
      existing.expiry = this.ttl > 0 ? Date.now() + this.ttl : this.ttl;
      this.bumpLru(existing);

      return
    }

    // Add new item
    if (this.max > 0 && this.size >= this.max) {
      this.evict();
    }

    const item = {
      expiry: this.ttl > 0 ? Date.now() + this.ttl : this.ttl,
      key: key,
      prev: this.last,
      next: null,
      value,
    };
    this.items[key] = item;

    if (++this.size === 1) {
      this.first = item;
    } else {
      this.last.next = item;
    }

    this.last = item;
  }
}/**
 *
 * @param {Date} date
 * @returns {string}
 */
function getTimestamp(date) {
  return `${date.getFullYear()}-${(date.getMonth() + 1).toString().padStart(2, '0')}-${date
    .getDate()
    .toString()
    .padStart(2, '0')}`
}class HitStatistics {
  constructor(cacheId, statisticTtlInHours, globalStatisticsRecord) {
    this.cacheId = cacheId;
    this.statisticTtlInHours = statisticTtlInHours;

    this.collectionStart = new Date();
    this.currentTimeStamp = getTimestamp(this.collectionStart);
    this.archiveAfter = this.collectionStart.getTime() + this.statisticTtlInHours * 3_600_000;

    this.records = globalStatisticsRecord || new HitStatisticsRecord();
    this.records.initForCache(this.cacheId, this.currentTimeStamp);
  }

  get currentRecord() {
    const cacheRecords = this.records.records[this.cacheId];
    // safety net
    /* c8 ignore next 3 */
    if (!cacheRecords[this.currentTimeStamp]) {
      cacheRecords[this.currentTimeStamp] = createEmptyStatisticsRecord();
    }

    return cacheRecords[this.currentTimeStamp]
  }

  /* v8 ignore next 3 -- kept for compatibility, no longer used internally */
  hoursPassed() {
    return (Date.now() - this.collectionStart) / 1000 / 60 / 60
  }

  addHit() {
    this.archiveIfNeeded();
    this.currentRecord.hits++;
  }
  addFalsyHit() {
    this.archiveIfNeeded();
    this.currentRecord.falsyHits++;
  }

  addEmptyHit() {
    this.archiveIfNeeded();
    this.currentRecord.emptyHits++;
  }

  addMiss() {
    this.archiveIfNeeded();
    this.currentRecord.misses++;
  }

  addEviction() {
    this.archiveIfNeeded();
    this.currentRecord.evictions++;
  }

  setCacheSize(currentSize) {
    this.archiveIfNeeded();
    this.currentRecord.cacheSize = currentSize;
  }

  addExpiration() {
    this.archiveIfNeeded();
    this.currentRecord.expirations++;
  }

  addSet() {
    this.archiveIfNeeded();
    this.currentRecord.sets++;
  }

  addInvalidateOne() {
    this.archiveIfNeeded();
    this.currentRecord.invalidateOne++;
  }

  addInvalidateAll() {
    this.archiveIfNeeded();
    this.currentRecord.invalidateAll++;
  }

  getStatistics() {
    return this.records.getStatistics()
  }

  archiveIfNeeded() {
    if (Date.now() >= this.archiveAfter) {
      this.collectionStart = new Date();
      this.currentTimeStamp = getTimestamp(this.collectionStart);
      this.archiveAfter = this.collectionStart.getTime() + this.statisticTtlInHours * 3_600_000;
      this.records.initForCache(this.cacheId, this.currentTimeStamp);
    }
  }
}class LruObjectHitStatistics extends LruObject {
  constructor(max, ttlInMsecs, cacheId, globalStatisticsRecord, statisticTtlInHours) {
    // Pass through as-is: the base constructor applies the 1000/0 defaults for
    // omitted (undefined) values and validates everything else, so explicit 0
    // stays unlimited and null/NaN are rejected the same way as the base class.
    super(max, ttlInMsecs);

    if (!cacheId) {
      throw new Error('Cache id is mandatory')
    }

    this.hitStatistics = new HitStatistics(
      cacheId,
      statisticTtlInHours !== undefined ? statisticTtlInHours : 24,
      globalStatisticsRecord,
    );
  }

  getStatistics() {
    return this.hitStatistics.getStatistics()
  }

  set(key, value) {
    super.set(key, value);
    this.hitStatistics.addSet();
    this.hitStatistics.setCacheSize(this.size);
  }

  evict() {
    const hadItems = this.size > 0;
    super.evict();
    if (hadItems) {
      this.hitStatistics.addEviction();
    }
    this.hitStatistics.setCacheSize(this.size);
  }

  delete(key, isExpiration = false) {
    const existed = this.items[key] !== undefined;
    super.delete(key);

    if (existed && !isExpiration) {
      this.hitStatistics.addInvalidateOne();
    }
    this.hitStatistics.setCacheSize(this.size);
  }

  clear() {
    super.clear();

    this.hitStatistics.addInvalidateAll();
    this.hitStatistics.setCacheSize(this.size);
  }

  get(key) {
    const item = this.items[key];

    if (item !== undefined) {
      // Item has already expired
      if (this.ttl > 0 && item.expiry <= Date.now()) {
        this.delete(key, true);
        this.hitStatistics.addExpiration();
        return
      }

      // Item is still fresh
      this.bumpLru(item);
      if (!item.value) {
        this.hitStatistics.addFalsyHit();
        // Empty values are a subset of falsy values
        if (item.value === undefined || item.value === null || item.value === '') {
          this.hitStatistics.addEmptyHit();
        }
      }
      this.hitStatistics.addHit();
      return item.value
    }
    this.hitStatistics.addMiss();
  }
}
;// CONCATENATED MODULE: ./node_modules/@octokit/auth-app/dist-node/index.js
// pkg/dist-src/index.js




// pkg/dist-src/get-app-authentication.js

async function getAppAuthentication({
  appId,
  privateKey,
  timeDifference,
  createJwt
}) {
  try {
    if (createJwt) {
      const { jwt, expiresAt } = await createJwt(appId, timeDifference);
      return {
        type: "app",
        token: jwt,
        appId,
        expiresAt
      };
    }
    const authOptions = {
      id: appId,
      privateKey
    };
    if (timeDifference) {
      Object.assign(authOptions, {
        now: Math.floor(Date.now() / 1e3) + timeDifference
      });
    }
    const appAuthentication = await githubAppJwt(authOptions);
    return {
      type: "app",
      token: appAuthentication.token,
      appId: appAuthentication.appId,
      expiresAt: new Date(appAuthentication.expiration * 1e3).toISOString()
    };
  } catch (error) {
    if (privateKey === "-----BEGIN RSA PRIVATE KEY-----") {
      throw new Error(
        "The 'privateKey` option contains only the first line '-----BEGIN RSA PRIVATE KEY-----'. If you are setting it using a `.env` file, make sure it is set on a single line with newlines replaced by '\n'"
      );
    } else {
      throw error;
    }
  }
}

// pkg/dist-src/cache.js

function getCache() {
  return new LruObject(
    // cache max. 15000 tokens, that will use less than 10mb memory
    15e3,
    // Cache for 1 minute less than GitHub expiry
    1e3 * 60 * 59
  );
}
async function get(cache, options) {
  const cacheKey = optionsToCacheKey(options);
  const result = await cache.get(cacheKey);
  if (!result) {
    return;
  }
  const [
    token,
    createdAt,
    expiresAt,
    repositorySelection,
    permissionsString,
    singleFileName
  ] = result.split("|");
  const permissions = options.permissions || permissionsString.split(/,/).reduce((permissions2, string) => {
    if (/!$/.test(string)) {
      permissions2[string.slice(0, -1)] = "write";
    } else {
      permissions2[string] = "read";
    }
    return permissions2;
  }, {});
  return {
    token,
    createdAt,
    expiresAt,
    permissions,
    repositoryIds: options.repositoryIds,
    repositoryNames: options.repositoryNames,
    singleFileName,
    repositorySelection
  };
}
async function set(cache, options, data) {
  const key = optionsToCacheKey(options);
  const permissionsString = options.permissions ? "" : Object.keys(data.permissions).map(
    (name) => `${name}${data.permissions[name] === "write" ? "!" : ""}`
  ).join(",");
  const value = [
    data.token,
    data.createdAt,
    data.expiresAt,
    data.repositorySelection,
    permissionsString,
    data.singleFileName
  ].join("|");
  await cache.set(key, value);
}
function optionsToCacheKey({
  installationId,
  permissions = {},
  repositoryIds = [],
  repositoryNames = []
}) {
  const permissionsString = Object.keys(permissions).sort().map((name) => permissions[name] === "read" ? name : `${name}!`).join(",");
  const repositoryIdsString = repositoryIds.sort().join(",");
  const repositoryNamesString = repositoryNames.join(",");
  return [
    installationId,
    repositoryIdsString,
    repositoryNamesString,
    permissionsString
  ].filter(Boolean).join("|");
}

// pkg/dist-src/to-token-authentication.js
function toTokenAuthentication({
  installationId,
  token,
  createdAt,
  expiresAt,
  repositorySelection,
  permissions,
  repositoryIds,
  repositoryNames,
  singleFileName
}) {
  return Object.assign(
    {
      type: "token",
      tokenType: "installation",
      token,
      installationId,
      permissions,
      createdAt,
      expiresAt,
      repositorySelection
    },
    repositoryIds ? { repositoryIds } : null,
    repositoryNames ? { repositoryNames } : null,
    singleFileName ? { singleFileName } : null
  );
}

// pkg/dist-src/get-installation-authentication.js
async function getInstallationAuthentication(state, options, customRequest) {
  const installationId = Number(options.installationId || state.installationId);
  if (!installationId) {
    throw new Error(
      "[@octokit/auth-app] installationId option is required for installation authentication."
    );
  }
  if (options.factory) {
    const { type, factory, oauthApp, ...factoryAuthOptions } = {
      ...state,
      ...options
    };
    return factory(factoryAuthOptions);
  }
  const request = customRequest || state.request;
  return getInstallationAuthenticationConcurrently(
    state,
    { ...options, installationId },
    request
  );
}
var pendingPromises = /* @__PURE__ */ new Map();
function getInstallationAuthenticationConcurrently(state, options, request) {
  const cacheKey = optionsToCacheKey(options);
  if (pendingPromises.has(cacheKey)) {
    return pendingPromises.get(cacheKey);
  }
  const promise = getInstallationAuthenticationImpl(
    state,
    options,
    request
  ).finally(() => pendingPromises.delete(cacheKey));
  pendingPromises.set(cacheKey, promise);
  return promise;
}
async function getInstallationAuthenticationImpl(state, options, request) {
  if (!options.refresh) {
    const result = await get(state.cache, options);
    if (result) {
      const {
        token: token2,
        createdAt: createdAt2,
        expiresAt: expiresAt2,
        permissions: permissions2,
        repositoryIds: repositoryIds2,
        repositoryNames: repositoryNames2,
        singleFileName: singleFileName2,
        repositorySelection: repositorySelection2
      } = result;
      return toTokenAuthentication({
        installationId: options.installationId,
        token: token2,
        createdAt: createdAt2,
        expiresAt: expiresAt2,
        permissions: permissions2,
        repositorySelection: repositorySelection2,
        repositoryIds: repositoryIds2,
        repositoryNames: repositoryNames2,
        singleFileName: singleFileName2
      });
    }
  }
  const appAuthentication = await getAppAuthentication(state);
  const payload = {
    installation_id: options.installationId,
    mediaType: {
      previews: ["machine-man"]
    },
    headers: {
      authorization: `bearer ${appAuthentication.token}`
    }
  };
  if (options.repositoryIds) {
    Object.assign(payload, { repository_ids: options.repositoryIds });
  }
  if (options.repositoryNames) {
    Object.assign(payload, {
      repositories: options.repositoryNames
    });
  }
  if (options.permissions) {
    Object.assign(payload, { permissions: options.permissions });
  }
  const {
    data: {
      token,
      expires_at: expiresAt,
      repositories,
      permissions: permissionsOptional,
      repository_selection: repositorySelectionOptional,
      single_file: singleFileName
    }
  } = await request(
    "POST /app/installations/{installation_id}/access_tokens",
    payload
  );
  const permissions = permissionsOptional || {};
  const repositorySelection = repositorySelectionOptional || "all";
  const repositoryIds = repositories ? repositories.map((r) => r.id) : void 0;
  const repositoryNames = repositories ? repositories.map((repo) => repo.name) : void 0;
  const createdAt = (/* @__PURE__ */ new Date()).toISOString();
  const cacheOptions = {
    token,
    createdAt,
    expiresAt,
    repositorySelection,
    permissions,
    repositoryIds,
    repositoryNames
  };
  if (singleFileName) {
    Object.assign(payload, { singleFileName });
  }
  await set(state.cache, options, cacheOptions);
  const cacheData = {
    installationId: options.installationId,
    token,
    createdAt,
    expiresAt,
    repositorySelection,
    permissions,
    repositoryIds,
    repositoryNames
  };
  if (singleFileName) {
    Object.assign(cacheData, { singleFileName });
  }
  return toTokenAuthentication(cacheData);
}

// pkg/dist-src/auth.js
async function dist_node_auth(state, authOptions) {
  switch (authOptions.type) {
    case "app":
      return getAppAuthentication(state);
    case "oauth-app":
      return state.oauthApp({ type: "oauth-app" });
    case "installation":
      authOptions;
      return getInstallationAuthentication(state, {
        ...authOptions,
        type: "installation"
      });
    case "oauth-user":
      return state.oauthApp(authOptions);
    default:
      throw new Error(`Invalid auth type: ${authOptions.type}`);
  }
}

// pkg/dist-src/hook.js



// pkg/dist-src/requires-app-auth.js
var PATHS = [
  "/app",
  "/app/hook/config",
  "/app/hook/deliveries",
  "/app/hook/deliveries/{delivery_id}",
  "/app/hook/deliveries/{delivery_id}/attempts",
  "/app/installations",
  "/app/installations/{installation_id}",
  "/app/installations/{installation_id}/access_tokens",
  "/app/installations/{installation_id}/suspended",
  "/app/installation-requests",
  "/marketplace_listing/accounts/{account_id}",
  "/marketplace_listing/plan",
  "/marketplace_listing/plans",
  "/marketplace_listing/plans/{plan_id}/accounts",
  "/marketplace_listing/stubbed/accounts/{account_id}",
  "/marketplace_listing/stubbed/plan",
  "/marketplace_listing/stubbed/plans",
  "/marketplace_listing/stubbed/plans/{plan_id}/accounts",
  "/orgs/{org}/installation",
  "/repos/{owner}/{repo}/installation",
  "/users/{username}/installation",
  "/enterprises/{enterprise}/installation"
];
function routeMatcher(paths) {
  const regexes = paths.map(
    (p) => p.split("/").map((c) => c.startsWith("{") ? "(?:.+?)" : c).join("/")
  );
  const regex = `^(?:${regexes.map((r) => `(?:${r})`).join("|")})$`;
  return new RegExp(regex, "i");
}
var REGEX = routeMatcher(PATHS);
function requiresAppAuth(url) {
  return !!url && REGEX.test(url.split("?")[0]);
}

// pkg/dist-src/hook.js
var FIVE_SECONDS_IN_MS = 5 * 1e3;
function isNotTimeSkewError(error) {
  return !(error.message.match(
    /'Expiration time' claim \('exp'\) is too far in the future/
  ) || error.message.match(
    /'Expiration time' claim \('exp'\) must be a numeric value representing the future time at which the assertion expires/
  ) || error.message.match(
    /'Issued at' claim \('iat'\) must be an Integer representing the time that the assertion was issued/
  ));
}
async function dist_node_hook(state, request, route, parameters) {
  const endpoint = request.endpoint.merge(route, parameters);
  const url = endpoint.url;
  if (/\/login\/oauth\/access_token$/.test(url)) {
    return request(endpoint);
  }
  if (requiresAppAuth(url.replace(request.endpoint.DEFAULTS.baseUrl, ""))) {
    const { token: token2 } = await getAppAuthentication(state);
    endpoint.headers.authorization = `bearer ${token2}`;
    let response;
    try {
      response = await request(endpoint);
    } catch (error) {
      if (isNotTimeSkewError(error)) {
        throw error;
      }
      if (typeof error.response.headers.date === "undefined") {
        throw error;
      }
      const diff = Math.floor(
        (Date.parse(error.response.headers.date) - Date.parse((/* @__PURE__ */ new Date()).toString())) / 1e3
      );
      state.log.warn(error.message);
      state.log.warn(
        `[@octokit/auth-app] GitHub API time and system time are different by ${diff} seconds. Retrying request with the difference accounted for.`
      );
      const { token: token3 } = await getAppAuthentication({
        ...state,
        timeDifference: diff
      });
      endpoint.headers.authorization = `bearer ${token3}`;
      return request(endpoint);
    }
    return response;
  }
  if (requiresBasicAuth(url)) {
    const authentication = await state.oauthApp({ type: "oauth-app" });
    endpoint.headers.authorization = authentication.headers.authorization;
    return request(endpoint);
  }
  const { token, createdAt } = await getInstallationAuthentication(
    state,
    // @ts-expect-error TBD
    {},
    request.defaults({ baseUrl: endpoint.baseUrl })
  );
  endpoint.headers.authorization = `token ${token}`;
  return sendRequestWithRetries(
    state,
    request,
    endpoint,
    createdAt
  );
}
async function sendRequestWithRetries(state, request, options, createdAt, retries = 0) {
  const timeSinceTokenCreationInMs = +/* @__PURE__ */ new Date() - +new Date(createdAt);
  try {
    return await request(options);
  } catch (error) {
    if (error.status !== 401) {
      throw error;
    }
    if (timeSinceTokenCreationInMs >= FIVE_SECONDS_IN_MS) {
      if (retries > 0) {
        error.message = `After ${retries} retries within ${timeSinceTokenCreationInMs / 1e3}s of creating the installation access token, the response remains 401. At this point, the cause may be an authentication problem or a system outage. Please check https://www.githubstatus.com for status information`;
      }
      throw error;
    }
    ++retries;
    const awaitTime = retries * 1e3;
    state.log.warn(
      `[@octokit/auth-app] Retrying after 401 response to account for token replication delay (retry: ${retries}, wait: ${awaitTime / 1e3}s)`
    );
    await new Promise((resolve) => setTimeout(resolve, awaitTime));
    return sendRequestWithRetries(state, request, options, createdAt, retries);
  }
}

// pkg/dist-src/version.js
var dist_node_VERSION = "8.3.1";

// pkg/dist-src/index.js

function createAppAuth(options) {
  if (!options.appId) {
    throw new Error("[@octokit/auth-app] appId option is required");
  }
  if (!options.privateKey && !options.createJwt) {
    throw new Error("[@octokit/auth-app] privateKey option is required");
  } else if (options.privateKey && options.createJwt) {
    throw new Error(
      "[@octokit/auth-app] privateKey and createJwt options are mutually exclusive"
    );
  }
  if ("installationId" in options && !options.installationId) {
    throw new Error(
      "[@octokit/auth-app] installationId is set to a falsy value"
    );
  }
  const log = options.log || {};
  if (typeof log.warn !== "function") {
    log.warn = console.warn.bind(console);
  }
  const request = options.request || dist_bundle_request.defaults({
    headers: {
      "user-agent": `octokit-auth-app.js/${dist_node_VERSION} ${getUserAgent()}`
    }
  });
  const state = Object.assign(
    {
      request,
      cache: getCache()
    },
    options,
    options.installationId ? { installationId: Number(options.installationId) } : {},
    {
      log,
      oauthApp: createOAuthAppAuth({
        clientType: "github-app",
        clientId: options.clientId || "",
        clientSecret: options.clientSecret || "",
        request
      })
    }
  );
  return Object.assign(dist_node_auth.bind(null, state), {
    hook: dist_node_hook.bind(null, state)
  });
}

/* v8 ignore next - permissions are optional per OpenAPI spec, but we think that is incorrect -- @preserve */
/* v8 ignore next - repositorySelection are optional per OpenAPI spec, but we think that is incorrect -- @preserve */
/* v8 ignore start - due to skipped tests, see https://github.com/octokit/auth-app.js/pull/580 -- @preserve */
/* v8 ignore end -- @preserve */

// EXTERNAL MODULE: ./node_modules/bottleneck/light.js
var light = __nccwpck_require__(251);
var light_default = /*#__PURE__*/__nccwpck_require__.n(light);
;// CONCATENATED MODULE: ./node_modules/@octokit/plugin-retry/dist-bundle/index.js
// pkg/dist-src/version.js
var plugin_retry_dist_bundle_VERSION = "0.0.0-development";

// pkg/dist-src/error-request.js
function isRequestError(error) {
  return error.request !== void 0;
}
async function errorRequest(state, octokit, error, options) {
  if (!isRequestError(error) || !error?.request.request) {
    throw error;
  }
  if (error.status >= 400 && !state.doNotRetry.includes(error.status)) {
    const retries = options.request.retries != null ? options.request.retries : state.retries;
    const retryAfter = Math.pow((options.request.retryCount || 0) + 1, 2);
    throw octokit.retry.retryRequest(error, retries, retryAfter);
  }
  throw error;
}

// pkg/dist-src/wrap-request.js


async function wrapRequest(state, octokit, request, options) {
  const limiter = new light();
  limiter.on("failed", function(error, info) {
    const maxRetries = ~~error.request.request?.retries;
    const after = ~~error.request.request?.retryAfter;
    options.request.retryCount = info.retryCount + 1;
    if (maxRetries > info.retryCount) {
      return after * state.retryAfterBaseValue;
    }
  });
  return limiter.schedule(
    requestWithGraphqlErrorHandling.bind(null, state, octokit, request),
    options
  );
}
async function requestWithGraphqlErrorHandling(state, octokit, request, options) {
  const response = await request(options);
  if (response.data && response.data.errors && response.data.errors.length > 0 && /Something went wrong while executing your query/.test(
    response.data.errors[0].message
  )) {
    const error = new RequestError(response.data.errors[0].message, 500, {
      request: options,
      response
    });
    return errorRequest(state, octokit, error, options);
  }
  return response;
}

// pkg/dist-src/index.js
function retry(octokit, octokitOptions) {
  const state = Object.assign(
    {
      enabled: true,
      retryAfterBaseValue: 1e3,
      doNotRetry: [400, 401, 403, 404, 410, 422, 451],
      retries: 3
    },
    octokitOptions.retry
  );
  const retryPlugin = {
    retry: {
      retryRequest: (error, retries, retryAfter) => {
        error.request.request = Object.assign({}, error.request.request, {
          retries,
          retryAfter
        });
        return error;
      }
    }
  };
  if (state.enabled) {
    octokit.hook.error("request", errorRequest.bind(null, state, retryPlugin));
    octokit.hook.wrap("request", wrapRequest.bind(null, state, retryPlugin));
  }
  return retryPlugin;
}
retry.VERSION = plugin_retry_dist_bundle_VERSION;


;// CONCATENATED MODULE: ./node_modules/@octokit/plugin-throttling/dist-bundle/index.js
// pkg/dist-src/index.js


// pkg/dist-src/version.js
var plugin_throttling_dist_bundle_VERSION = "0.0.0-development";

// pkg/dist-src/wrap-request.js
var dist_bundle_noop = () => Promise.resolve();
function dist_bundle_wrapRequest(state, request, options) {
  return state.retryLimiter.schedule(doRequest, state, request, options);
}
async function doRequest(state, request, options) {
  const { pathname } = new URL(options.url, "http://github.test");
  const isAuth = isAuthRequest(options.method, pathname);
  const isWrite = !isAuth && options.method !== "GET" && options.method !== "HEAD";
  const isSearch = options.method === "GET" && pathname.startsWith("/search/");
  const isGraphQL = pathname.startsWith("/graphql");
  const retryCount = ~~request.retryCount;
  const jobOptions = retryCount > 0 ? { priority: 0, weight: 0 } : {};
  if (state.clustering) {
    jobOptions.expiration = 1e3 * 60;
  }
  if (isWrite || isGraphQL) {
    await state.write.key(state.id).schedule(jobOptions, dist_bundle_noop);
  }
  if (isWrite && state.triggersNotification(pathname)) {
    await state.notifications.key(state.id).schedule(jobOptions, dist_bundle_noop);
  }
  if (isSearch) {
    await state.search.key(state.id).schedule(jobOptions, dist_bundle_noop);
  }
  const req = (isAuth ? state.auth : state.global).key(state.id).schedule(jobOptions, request, options);
  if (isGraphQL) {
    const res = await req;
    if (res.data.errors != null && res.data.errors.some((error) => error.type === "RATE_LIMITED")) {
      const error = Object.assign(new Error("GraphQL Rate Limit Exceeded"), {
        response: res,
        data: res.data
      });
      throw error;
    }
  }
  return req;
}
function isAuthRequest(method, pathname) {
  return method === "PATCH" && // https://docs.github.com/en/rest/apps/apps?apiVersion=2022-11-28#create-a-scoped-access-token
  /^\/applications\/[^/]+\/token\/scoped$/.test(pathname) || method === "POST" && // https://docs.github.com/en/rest/apps/oauth-applications?apiVersion=2022-11-28#reset-a-token
  (/^\/applications\/[^/]+\/token$/.test(pathname) || // https://docs.github.com/en/rest/apps/apps?apiVersion=2022-11-28#create-an-installation-access-token-for-an-app
  /^\/app\/installations\/[^/]+\/access_tokens$/.test(pathname) || // https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
  pathname === "/login/oauth/access_token");
}

// pkg/dist-src/generated/triggers-notification-paths.js
var triggers_notification_paths_default = [
  "/orgs/{org}/invitations",
  "/orgs/{org}/invitations/{invitation_id}",
  "/orgs/{org}/teams/{team_slug}/discussions",
  "/orgs/{org}/teams/{team_slug}/discussions/{discussion_number}/comments",
  "/repos/{owner}/{repo}/collaborators/{username}",
  "/repos/{owner}/{repo}/commits/{commit_sha}/comments",
  "/repos/{owner}/{repo}/issues",
  "/repos/{owner}/{repo}/issues/{issue_number}/comments",
  "/repos/{owner}/{repo}/issues/{issue_number}/sub_issue",
  "/repos/{owner}/{repo}/issues/{issue_number}/sub_issues/priority",
  "/repos/{owner}/{repo}/pulls",
  "/repos/{owner}/{repo}/pulls/{pull_number}/comments",
  "/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies",
  "/repos/{owner}/{repo}/pulls/{pull_number}/merge",
  "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
  "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
  "/repos/{owner}/{repo}/releases",
  "/teams/{team_id}/discussions",
  "/teams/{team_id}/discussions/{discussion_number}/comments"
];

// pkg/dist-src/route-matcher.js
function dist_bundle_routeMatcher(paths) {
  const regexes = paths.map(
    (path) => path.split("/").map((c) => c.startsWith("{") ? "(?:.+?)" : c).join("/")
  );
  const regex2 = `^(?:${regexes.map((r) => `(?:${r})`).join("|")})[^/]*$`;
  return new RegExp(regex2, "i");
}

// pkg/dist-src/index.js
var regex = dist_bundle_routeMatcher(triggers_notification_paths_default);
var triggersNotification = regex.test.bind(regex);
var groups = {};
var createGroups = function(Bottleneck, common) {
  groups.global = new Bottleneck.Group({
    id: "octokit-global",
    maxConcurrent: 10,
    ...common
  });
  groups.auth = new Bottleneck.Group({
    id: "octokit-auth",
    maxConcurrent: 1,
    ...common
  });
  groups.search = new Bottleneck.Group({
    id: "octokit-search",
    maxConcurrent: 1,
    minTime: 2e3,
    ...common
  });
  groups.write = new Bottleneck.Group({
    id: "octokit-write",
    maxConcurrent: 1,
    minTime: 1e3,
    ...common
  });
  groups.notifications = new Bottleneck.Group({
    id: "octokit-notifications",
    maxConcurrent: 1,
    minTime: 3e3,
    ...common
  });
};
function throttling(octokit, octokitOptions) {
  const {
    enabled = true,
    Bottleneck = light,
    id = "no-id",
    timeout = 1e3 * 60 * 2,
    // Redis TTL: 2 minutes
    connection
  } = octokitOptions.throttle || {};
  if (!enabled) {
    return {};
  }
  const common = { timeout };
  if (typeof connection !== "undefined") {
    common.connection = connection;
  }
  const state = Object.assign(
    {
      clustering: connection != null,
      triggersNotification,
      fallbackSecondaryRateRetryAfter: 60,
      retryAfterBaseValue: 1e3,
      id
    },
    octokitOptions.throttle
  );
  if (typeof state.onSecondaryRateLimit !== "function" || typeof state.onRateLimit !== "function") {
    throw new Error(`octokit/plugin-throttling error:
        You must pass the onSecondaryRateLimit and onRateLimit error handlers.
        See https://octokit.github.io/rest.js/#throttling

        const octokit = new Octokit({
          throttle: {
            onSecondaryRateLimit: (retryAfter, options) => {/* ... */},
            onRateLimit: (retryAfter, options) => {/* ... */}
          }
        })
    `);
  }
  let initialized = false;
  const initializeBottleneck = () => {
    if (initialized) {
      return;
    }
    initialized = true;
    if (groups.global == null) {
      createGroups(Bottleneck, common);
    }
    state.global = state.global ?? groups.global;
    state.auth = state.auth ?? groups.auth;
    state.search = state.search ?? groups.search;
    state.write = state.write ?? groups.write;
    state.notifications = state.notifications ?? groups.notifications;
    state.retryLimiter = state.retryLimiter ?? new Bottleneck();
    const events = {};
    const emitter = new Bottleneck.Events(events);
    events.on("secondary-limit", state.onSecondaryRateLimit);
    events.on("rate-limit", state.onRateLimit);
    events.on(
      "error",
      (e) => octokit.log.warn("Error in throttling-plugin limit handler", e)
    );
    state.retryLimiter.on("failed", async function(error, info) {
      const [state2, request, options] = info.args;
      const { pathname } = new URL(options.url, "http://github.test");
      const shouldRetryGraphQL = pathname.startsWith("/graphql") && error.status !== 401;
      if (!(shouldRetryGraphQL || error.status === 403 || error.status === 429)) {
        return;
      }
      const retryCount = ~~request.retryCount;
      request.retryCount = retryCount;
      options.request.retryCount = retryCount;
      const { wantRetry, retryAfter = 0 } = await (async function() {
        if (/\bsecondary rate\b/i.test(error.message)) {
          const retryAfter2 = Number(error.response.headers["retry-after"]) || state2.fallbackSecondaryRateRetryAfter;
          const wantRetry2 = await emitter.trigger(
            "secondary-limit",
            retryAfter2,
            options,
            octokit,
            retryCount
          );
          return { wantRetry: wantRetry2, retryAfter: retryAfter2 };
        }
        if (error.response.headers != null && error.response.headers["x-ratelimit-remaining"] === "0" || (error.response.data?.errors ?? []).some(
          (error2) => error2.type === "RATE_LIMITED"
        )) {
          const rateLimitReset = new Date(
            ~~error.response.headers["x-ratelimit-reset"] * 1e3
          ).getTime();
          const retryAfter2 = Math.max(
            // Add one second so we retry _after_ the reset time
            // https://docs.github.com/en/rest/overview/resources-in-the-rest-api?apiVersion=2022-11-28#exceeding-the-rate-limit
            Math.ceil((rateLimitReset - Date.now()) / 1e3) + 1,
            0
          );
          const wantRetry2 = await emitter.trigger(
            "rate-limit",
            retryAfter2,
            options,
            octokit,
            retryCount
          );
          return { wantRetry: wantRetry2, retryAfter: retryAfter2 };
        }
        return {};
      })();
      if (wantRetry) {
        request.retryCount++;
        return retryAfter * state2.retryAfterBaseValue;
      }
    });
  };
  octokit.hook.wrap("request", (request, options) => {
    initializeBottleneck();
    return dist_bundle_wrapRequest(state, request, options);
  });
  return {};
}
throttling.VERSION = plugin_throttling_dist_bundle_VERSION;
throttling.triggersNotification = triggersNotification;


;// CONCATENATED MODULE: ./node_modules/before-after-hook/lib/register.js
// @ts-check

function register(state, name, method, options) {
  if (typeof method !== "function") {
    throw new Error("method for before hook must be a function");
  }

  if (!options) {
    options = {};
  }

  if (Array.isArray(name)) {
    return name.reverse().reduce((callback, name) => {
      return register.bind(null, state, name, callback, options);
    }, method)();
  }

  return Promise.resolve().then(() => {
    if (!state.registry[name]) {
      return method(options);
    }

    return state.registry[name].reduce((method, registered) => {
      return registered.hook.bind(null, method, options);
    }, method)();
  });
}

;// CONCATENATED MODULE: ./node_modules/before-after-hook/lib/add.js
// @ts-check

function addHook(state, kind, name, hook) {
  const orig = hook;
  if (!state.registry[name]) {
    state.registry[name] = [];
  }

  if (kind === "before") {
    hook = (method, options) => {
      return Promise.resolve()
        .then(orig.bind(null, options))
        .then(method.bind(null, options));
    };
  }

  if (kind === "after") {
    hook = (method, options) => {
      let result;
      return Promise.resolve()
        .then(method.bind(null, options))
        .then((result_) => {
          result = result_;
          return orig(result, options);
        })
        .then(() => {
          return result;
        });
    };
  }

  if (kind === "error") {
    hook = (method, options) => {
      return Promise.resolve()
        .then(method.bind(null, options))
        .catch((error) => {
          return orig(error, options);
        });
    };
  }

  state.registry[name].push({
    hook: hook,
    orig: orig,
  });
}

;// CONCATENATED MODULE: ./node_modules/before-after-hook/lib/remove.js
// @ts-check

function removeHook(state, name, method) {
  if (!state.registry[name]) {
    return;
  }

  const index = state.registry[name]
    .map((registered) => {
      return registered.orig;
    })
    .indexOf(method);

  if (index === -1) {
    return;
  }

  state.registry[name].splice(index, 1);
}

;// CONCATENATED MODULE: ./node_modules/before-after-hook/index.js
// @ts-check





// bind with array of arguments: https://stackoverflow.com/a/21792913
const bind = Function.bind;
const bindable = bind.bind(bind);

function bindApi(hook, state, name) {
  const removeHookRef = bindable(removeHook, null).apply(
    null,
    name ? [state, name] : [state]
  );
  hook.api = { remove: removeHookRef };
  hook.remove = removeHookRef;
  ["before", "error", "after", "wrap"].forEach((kind) => {
    const args = name ? [state, kind, name] : [state, kind];
    hook[kind] = hook.api[kind] = bindable(addHook, null).apply(null, args);
  });
}

function Singular() {
  const singularHookName = Symbol("Singular");
  const singularHookState = {
    registry: {},
  };
  const singularHook = register.bind(null, singularHookState, singularHookName);
  bindApi(singularHook, singularHookState, singularHookName);
  return singularHook;
}

function Collection() {
  const state = {
    registry: {},
  };

  const hook = register.bind(null, state);
  bindApi(hook, state);

  return hook;
}

/* harmony default export */ const before_after_hook = ({ Singular, Collection });

;// CONCATENATED MODULE: ./node_modules/@octokit/graphql/dist-bundle/index.js
// pkg/dist-src/index.js



// pkg/dist-src/version.js
var graphql_dist_bundle_VERSION = "0.0.0-development";

// pkg/dist-src/with-defaults.js


// pkg/dist-src/graphql.js


// pkg/dist-src/error.js
function _buildMessageForResponseErrors(data) {
  return `Request failed due to following response errors:
` + data.errors.map((e) => ` - ${e.message}`).join("\n");
}
var GraphqlResponseError = class extends Error {
  constructor(request2, headers, response) {
    super(_buildMessageForResponseErrors(response));
    this.request = request2;
    this.headers = headers;
    this.response = response;
    this.errors = response.errors;
    this.data = response.data;
    if (Error.captureStackTrace) {
      Error.captureStackTrace(this, this.constructor);
    }
  }
  request;
  headers;
  response;
  name = "GraphqlResponseError";
  errors;
  data;
};

// pkg/dist-src/graphql.js
var NON_VARIABLE_OPTIONS = [
  "method",
  "baseUrl",
  "url",
  "headers",
  "request",
  "query",
  "mediaType",
  "operationName"
];
var FORBIDDEN_VARIABLE_OPTIONS = ["query", "method", "url"];
var GHES_V3_SUFFIX_REGEX = /\/api\/v3\/?$/;
function graphql(request2, query, options) {
  if (options) {
    if (typeof query === "string" && "query" in options) {
      return Promise.reject(
        new Error(`[@octokit/graphql] "query" cannot be used as variable name`)
      );
    }
    for (const key in options) {
      if (!FORBIDDEN_VARIABLE_OPTIONS.includes(key)) continue;
      return Promise.reject(
        new Error(
          `[@octokit/graphql] "${key}" cannot be used as variable name`
        )
      );
    }
  }
  const parsedOptions = typeof query === "string" ? Object.assign({ query }, options) : query;
  const requestOptions = Object.keys(
    parsedOptions
  ).reduce((result, key) => {
    if (NON_VARIABLE_OPTIONS.includes(key)) {
      result[key] = parsedOptions[key];
      return result;
    }
    if (!result.variables) {
      result.variables = {};
    }
    result.variables[key] = parsedOptions[key];
    return result;
  }, {});
  const baseUrl = parsedOptions.baseUrl || request2.endpoint.DEFAULTS.baseUrl;
  if (GHES_V3_SUFFIX_REGEX.test(baseUrl)) {
    requestOptions.url = baseUrl.replace(GHES_V3_SUFFIX_REGEX, "/api/graphql");
  }
  return request2(requestOptions).then((response) => {
    if (response.data.errors) {
      const headers = {};
      for (const key of Object.keys(response.headers)) {
        headers[key] = response.headers[key];
      }
      throw new GraphqlResponseError(
        requestOptions,
        headers,
        response.data
      );
    }
    return response.data.data;
  });
}

// pkg/dist-src/with-defaults.js
function graphql_dist_bundle_withDefaults(request2, newDefaults) {
  const newRequest = request2.defaults(newDefaults);
  const newApi = (query, options) => {
    return graphql(newRequest, query, options);
  };
  return Object.assign(newApi, {
    defaults: graphql_dist_bundle_withDefaults.bind(null, newRequest),
    endpoint: newRequest.endpoint
  });
}

// pkg/dist-src/index.js
var graphql2 = graphql_dist_bundle_withDefaults(dist_bundle_request, {
  headers: {
    "user-agent": `octokit-graphql.js/${graphql_dist_bundle_VERSION} ${getUserAgent()}`
  },
  method: "POST",
  url: "/graphql"
});
function withCustomRequest(customRequest) {
  return graphql_dist_bundle_withDefaults(customRequest, {
    method: "POST",
    url: "/graphql"
  });
}

/* v8 ignore if -- @preserve */

;// CONCATENATED MODULE: ./node_modules/@octokit/auth-token/dist-bundle/index.js
// pkg/dist-src/is-jwt.js
var b64url = "(?:[a-zA-Z0-9_-]+)";
var sep = "\\.";
var jwtRE = new RegExp(`^${b64url}${sep}${b64url}${sep}${b64url}$`);
var isJWT = jwtRE.test.bind(jwtRE);

// pkg/dist-src/auth.js
async function auth_token_dist_bundle_auth(token) {
  const isApp = isJWT(token);
  const isInstallation = token.startsWith("v1.") || token.startsWith("ghs_");
  const isUserToServer = token.startsWith("ghu_");
  const tokenType = isApp ? "app" : isInstallation ? "installation" : isUserToServer ? "user-to-server" : "oauth";
  return {
    type: "token",
    token,
    tokenType
  };
}

// pkg/dist-src/with-authorization-prefix.js
function withAuthorizationPrefix(token) {
  if (token.split(/\./).length === 3) {
    return `bearer ${token}`;
  }
  return `token ${token}`;
}

// pkg/dist-src/hook.js
async function auth_token_dist_bundle_hook(token, request, route, parameters) {
  const endpoint = request.endpoint.merge(
    route,
    parameters
  );
  endpoint.headers.authorization = withAuthorizationPrefix(token);
  return request(endpoint);
}

// pkg/dist-src/index.js
var createTokenAuth = function createTokenAuth2(token) {
  if (!token) {
    throw new Error("[@octokit/auth-token] No token passed to createTokenAuth");
  }
  if (typeof token !== "string") {
    throw new Error(
      "[@octokit/auth-token] Token passed to createTokenAuth is not a string"
    );
  }
  token = token.replace(/^(token|bearer) +/i, "");
  return Object.assign(auth_token_dist_bundle_auth.bind(null, token), {
    hook: auth_token_dist_bundle_hook.bind(null, token)
  });
};


;// CONCATENATED MODULE: ./node_modules/@octokit/core/dist-src/version.js
const version_VERSION = "7.0.8";


;// CONCATENATED MODULE: ./node_modules/@octokit/core/dist-src/index.js






const dist_src_noop = () => {
};
const consoleWarn = console.warn.bind(console);
const consoleError = console.error.bind(console);
function createLogger(logger = {}) {
  if (typeof logger.debug !== "function") {
    logger.debug = dist_src_noop;
  }
  if (typeof logger.info !== "function") {
    logger.info = dist_src_noop;
  }
  if (typeof logger.warn !== "function") {
    logger.warn = consoleWarn;
  }
  if (typeof logger.error !== "function") {
    logger.error = consoleError;
  }
  return logger;
}
const userAgentTrail = `octokit-core.js/${version_VERSION} ${getUserAgent()}`;
class Octokit {
  static VERSION = version_VERSION;
  static defaults(defaults) {
    const OctokitWithDefaults = class extends this {
      constructor(...args) {
        const options = args[0] || {};
        if (typeof defaults === "function") {
          super(defaults(options));
          return;
        }
        super(
          Object.assign(
            {},
            defaults,
            options,
            options.userAgent && defaults.userAgent ? {
              userAgent: `${options.userAgent} ${defaults.userAgent}`
            } : null
          )
        );
      }
    };
    return OctokitWithDefaults;
  }
  static plugins = [];
  /**
   * Attach a plugin (or many) to your Octokit instance.
   *
   * @example
   * const API = Octokit.plugin(plugin1, plugin2, plugin3, ...)
   */
  static plugin(...newPlugins) {
    const currentPlugins = this.plugins;
    const NewOctokit = class extends this {
      static plugins = currentPlugins.concat(
        newPlugins.filter((plugin) => !currentPlugins.includes(plugin))
      );
    };
    return NewOctokit;
  }
  constructor(options = {}) {
    const hook = new before_after_hook.Collection();
    const requestDefaults = {
      baseUrl: dist_bundle_request.endpoint.DEFAULTS.baseUrl,
      headers: {},
      request: Object.assign({}, options.request, {
        // @ts-ignore internal usage only, no need to type
        hook: hook.bind(null, "request")
      }),
      mediaType: {
        previews: [],
        format: ""
      }
    };
    requestDefaults.headers["user-agent"] = options.userAgent ? `${options.userAgent} ${userAgentTrail}` : userAgentTrail;
    if (options.baseUrl) {
      requestDefaults.baseUrl = options.baseUrl;
    }
    if (options.previews) {
      requestDefaults.mediaType.previews = options.previews;
    }
    if (options.timeZone) {
      requestDefaults.headers["time-zone"] = options.timeZone;
    }
    this.request = dist_bundle_request.defaults(requestDefaults);
    this.graphql = withCustomRequest(this.request).defaults(requestDefaults);
    this.log = createLogger(options.log);
    this.hook = hook;
    if (!options.authStrategy) {
      if (!options.auth) {
        this.auth = async () => ({
          type: "unauthenticated"
        });
      } else {
        const auth = createTokenAuth(options.auth);
        hook.wrap("request", auth.hook);
        this.auth = auth;
      }
    } else {
      const { authStrategy, ...otherOptions } = options;
      const auth = authStrategy(
        Object.assign(
          {
            request: this.request,
            log: this.log,
            // we pass the current octokit instance as well as its constructor options
            // to allow for authentication strategies that return a new octokit instance
            // that shares the same internal state as the current one. The original
            // requirement for this was the "event-octokit" authentication strategy
            // of https://github.com/probot/octokit-auth-probot.
            octokit: this,
            octokitOptions: otherOptions
          },
          options.auth
        )
      );
      hook.wrap("request", auth.hook);
      this.auth = auth;
    }
    const classConstructor = this.constructor;
    for (let i = 0; i < classConstructor.plugins.length; ++i) {
      Object.assign(this, classConstructor.plugins[i](this, options));
    }
  }
  // assigned during constructor
  request;
  graphql;
  log;
  hook;
  // TODO: type `octokit.auth` based on passed options.authStrategy
  auth;
}


;// CONCATENATED MODULE: ./node_modules/@octokit/plugin-request-log/dist-src/version.js
const dist_src_version_VERSION = "6.0.0";


;// CONCATENATED MODULE: ./node_modules/@octokit/plugin-request-log/dist-src/index.js

function requestLog(octokit) {
  octokit.hook.wrap("request", (request, options) => {
    octokit.log.debug("request", options);
    const start = Date.now();
    const requestOptions = octokit.request.endpoint.parse(options);
    const path = requestOptions.url.replace(options.baseUrl, "");
    return request(options).then((response) => {
      const requestId = response.headers["x-github-request-id"];
      octokit.log.info(
        `${requestOptions.method} ${path} - ${response.status} with id ${requestId} in ${Date.now() - start}ms`
      );
      return response;
    }).catch((error) => {
      const requestId = error.response?.headers["x-github-request-id"] || "UNKNOWN";
      octokit.log.error(
        `${requestOptions.method} ${path} - ${error.status} with id ${requestId} in ${Date.now() - start}ms`
      );
      throw error;
    });
  });
}
requestLog.VERSION = dist_src_version_VERSION;


;// CONCATENATED MODULE: ./node_modules/@octokit/plugin-paginate-rest/dist-bundle/index.js
// pkg/dist-src/version.js
var plugin_paginate_rest_dist_bundle_VERSION = "0.0.0-development";

// pkg/dist-src/normalize-paginated-list-response.js
function normalizePaginatedListResponse(response) {
  if (!response.data) {
    return {
      ...response,
      data: []
    };
  }
  const responseNeedsNormalization = ("total_count" in response.data || "total_commits" in response.data) && !("url" in response.data);
  if (!responseNeedsNormalization) return response;
  const incompleteResults = response.data.incomplete_results;
  const repositorySelection = response.data.repository_selection;
  const totalCount = response.data.total_count;
  const totalCommits = response.data.total_commits;
  delete response.data.incomplete_results;
  delete response.data.repository_selection;
  delete response.data.total_count;
  delete response.data.total_commits;
  const namespaceKey = Object.keys(response.data)[0];
  const data = response.data[namespaceKey];
  response.data = data;
  if (typeof incompleteResults !== "undefined") {
    response.data.incomplete_results = incompleteResults;
  }
  if (typeof repositorySelection !== "undefined") {
    response.data.repository_selection = repositorySelection;
  }
  response.data.total_count = totalCount;
  response.data.total_commits = totalCommits;
  return response;
}

// pkg/dist-src/iterator.js
function iterator(octokit, route, parameters) {
  const options = typeof route === "function" ? route.endpoint(parameters) : octokit.request.endpoint(route, parameters);
  const requestMethod = typeof route === "function" ? route : octokit.request;
  const method = options.method;
  const headers = options.headers;
  let url = options.url;
  return {
    [Symbol.asyncIterator]: () => ({
      async next() {
        if (!url) return { done: true };
        try {
          const response = await requestMethod({ method, url, headers });
          const normalizedResponse = normalizePaginatedListResponse(response);
          url = ((normalizedResponse.headers.link || "").match(
            /<([^<>]+)>;\s*rel="next"/
          ) || [])[1];
          if (!url && "total_commits" in normalizedResponse.data) {
            const parsedUrl = new URL(normalizedResponse.url);
            const params = parsedUrl.searchParams;
            const page = parseInt(params.get("page") || "1", 10);
            const per_page = parseInt(params.get("per_page") || "250", 10);
            if (page * per_page < normalizedResponse.data.total_commits) {
              params.set("page", String(page + 1));
              url = parsedUrl.toString();
            }
          }
          return { value: normalizedResponse };
        } catch (error) {
          if (error.status !== 409) throw error;
          url = "";
          return {
            value: {
              status: 200,
              headers: {},
              data: []
            }
          };
        }
      }
    })
  };
}

// pkg/dist-src/paginate.js
function paginate(octokit, route, parameters, mapFn) {
  if (typeof parameters === "function") {
    mapFn = parameters;
    parameters = void 0;
  }
  return gather(
    octokit,
    [],
    iterator(octokit, route, parameters)[Symbol.asyncIterator](),
    mapFn
  );
}
function gather(octokit, results, iterator2, mapFn) {
  return iterator2.next().then((result) => {
    if (result.done) {
      return results;
    }
    let earlyExit = false;
    function done() {
      earlyExit = true;
    }
    results = results.concat(
      mapFn ? mapFn(result.value, done) : result.value.data
    );
    if (earlyExit) {
      return results;
    }
    return gather(octokit, results, iterator2, mapFn);
  });
}

// pkg/dist-src/compose-paginate.js
var composePaginateRest = Object.assign(paginate, {
  iterator
});

// pkg/dist-src/generated/paginating-endpoints.js
var paginatingEndpoints = (/* unused pure expression or super */ null && ([
  "GET /advisories",
  "GET /app/hook/deliveries",
  "GET /app/installation-requests",
  "GET /app/installations",
  "GET /assignments/{assignment_id}/accepted_assignments",
  "GET /classrooms",
  "GET /classrooms/{classroom_id}/assignments",
  "GET /enterprises/{enterprise}/code-security/configurations",
  "GET /enterprises/{enterprise}/code-security/configurations/{configuration_id}/repositories",
  "GET /enterprises/{enterprise}/dependabot/alerts",
  "GET /enterprises/{enterprise}/teams",
  "GET /enterprises/{enterprise}/teams/{enterprise-team}/memberships",
  "GET /enterprises/{enterprise}/teams/{enterprise-team}/organizations",
  "GET /events",
  "GET /gists",
  "GET /gists/public",
  "GET /gists/starred",
  "GET /gists/{gist_id}/comments",
  "GET /gists/{gist_id}/commits",
  "GET /gists/{gist_id}/forks",
  "GET /installation/repositories",
  "GET /issues",
  "GET /licenses",
  "GET /marketplace_listing/plans",
  "GET /marketplace_listing/plans/{plan_id}/accounts",
  "GET /marketplace_listing/stubbed/plans",
  "GET /marketplace_listing/stubbed/plans/{plan_id}/accounts",
  "GET /networks/{owner}/{repo}/events",
  "GET /notifications",
  "GET /organizations",
  "GET /organizations/{org}/dependabot/repository-access",
  "GET /orgs/{org}/actions/cache/usage-by-repository",
  "GET /orgs/{org}/actions/hosted-runners",
  "GET /orgs/{org}/actions/permissions/repositories",
  "GET /orgs/{org}/actions/permissions/self-hosted-runners/repositories",
  "GET /orgs/{org}/actions/runner-groups",
  "GET /orgs/{org}/actions/runner-groups/{runner_group_id}/hosted-runners",
  "GET /orgs/{org}/actions/runner-groups/{runner_group_id}/repositories",
  "GET /orgs/{org}/actions/runner-groups/{runner_group_id}/runners",
  "GET /orgs/{org}/actions/runners",
  "GET /orgs/{org}/actions/secrets",
  "GET /orgs/{org}/actions/secrets/{secret_name}/repositories",
  "GET /orgs/{org}/actions/variables",
  "GET /orgs/{org}/actions/variables/{name}/repositories",
  "GET /orgs/{org}/attestations/repositories",
  "GET /orgs/{org}/attestations/{subject_digest}",
  "GET /orgs/{org}/blocks",
  "GET /orgs/{org}/campaigns",
  "GET /orgs/{org}/code-scanning/alerts",
  "GET /orgs/{org}/code-security/configurations",
  "GET /orgs/{org}/code-security/configurations/{configuration_id}/repositories",
  "GET /orgs/{org}/codespaces",
  "GET /orgs/{org}/codespaces/secrets",
  "GET /orgs/{org}/codespaces/secrets/{secret_name}/repositories",
  "GET /orgs/{org}/copilot/billing/seats",
  "GET /orgs/{org}/copilot/metrics",
  "GET /orgs/{org}/dependabot/alerts",
  "GET /orgs/{org}/dependabot/secrets",
  "GET /orgs/{org}/dependabot/secrets/{secret_name}/repositories",
  "GET /orgs/{org}/events",
  "GET /orgs/{org}/failed_invitations",
  "GET /orgs/{org}/hooks",
  "GET /orgs/{org}/hooks/{hook_id}/deliveries",
  "GET /orgs/{org}/insights/api/route-stats/{actor_type}/{actor_id}",
  "GET /orgs/{org}/insights/api/subject-stats",
  "GET /orgs/{org}/insights/api/user-stats/{user_id}",
  "GET /orgs/{org}/installations",
  "GET /orgs/{org}/invitations",
  "GET /orgs/{org}/invitations/{invitation_id}/teams",
  "GET /orgs/{org}/issues",
  "GET /orgs/{org}/members",
  "GET /orgs/{org}/members/{username}/codespaces",
  "GET /orgs/{org}/migrations",
  "GET /orgs/{org}/migrations/{migration_id}/repositories",
  "GET /orgs/{org}/organization-roles/{role_id}/teams",
  "GET /orgs/{org}/organization-roles/{role_id}/users",
  "GET /orgs/{org}/outside_collaborators",
  "GET /orgs/{org}/packages",
  "GET /orgs/{org}/packages/{package_type}/{package_name}/versions",
  "GET /orgs/{org}/personal-access-token-requests",
  "GET /orgs/{org}/personal-access-token-requests/{pat_request_id}/repositories",
  "GET /orgs/{org}/personal-access-tokens",
  "GET /orgs/{org}/personal-access-tokens/{pat_id}/repositories",
  "GET /orgs/{org}/private-registries",
  "GET /orgs/{org}/projects",
  "GET /orgs/{org}/projectsV2",
  "GET /orgs/{org}/projectsV2/{project_number}/fields",
  "GET /orgs/{org}/projectsV2/{project_number}/items",
  "GET /orgs/{org}/properties/values",
  "GET /orgs/{org}/public_members",
  "GET /orgs/{org}/repos",
  "GET /orgs/{org}/rulesets",
  "GET /orgs/{org}/rulesets/rule-suites",
  "GET /orgs/{org}/rulesets/{ruleset_id}/history",
  "GET /orgs/{org}/secret-scanning/alerts",
  "GET /orgs/{org}/security-advisories",
  "GET /orgs/{org}/settings/immutable-releases/repositories",
  "GET /orgs/{org}/settings/network-configurations",
  "GET /orgs/{org}/team/{team_slug}/copilot/metrics",
  "GET /orgs/{org}/teams",
  "GET /orgs/{org}/teams/{team_slug}/discussions",
  "GET /orgs/{org}/teams/{team_slug}/discussions/{discussion_number}/comments",
  "GET /orgs/{org}/teams/{team_slug}/discussions/{discussion_number}/comments/{comment_number}/reactions",
  "GET /orgs/{org}/teams/{team_slug}/discussions/{discussion_number}/reactions",
  "GET /orgs/{org}/teams/{team_slug}/invitations",
  "GET /orgs/{org}/teams/{team_slug}/members",
  "GET /orgs/{org}/teams/{team_slug}/projects",
  "GET /orgs/{org}/teams/{team_slug}/repos",
  "GET /orgs/{org}/teams/{team_slug}/teams",
  "GET /projects/{project_id}/collaborators",
  "GET /repos/{owner}/{repo}/actions/artifacts",
  "GET /repos/{owner}/{repo}/actions/caches",
  "GET /repos/{owner}/{repo}/actions/organization-secrets",
  "GET /repos/{owner}/{repo}/actions/organization-variables",
  "GET /repos/{owner}/{repo}/actions/runners",
  "GET /repos/{owner}/{repo}/actions/runs",
  "GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts",
  "GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs",
  "GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs",
  "GET /repos/{owner}/{repo}/actions/secrets",
  "GET /repos/{owner}/{repo}/actions/variables",
  "GET /repos/{owner}/{repo}/actions/workflows",
  "GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs",
  "GET /repos/{owner}/{repo}/activity",
  "GET /repos/{owner}/{repo}/assignees",
  "GET /repos/{owner}/{repo}/attestations/{subject_digest}",
  "GET /repos/{owner}/{repo}/branches",
  "GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations",
  "GET /repos/{owner}/{repo}/check-suites/{check_suite_id}/check-runs",
  "GET /repos/{owner}/{repo}/code-scanning/alerts",
  "GET /repos/{owner}/{repo}/code-scanning/alerts/{alert_number}/instances",
  "GET /repos/{owner}/{repo}/code-scanning/analyses",
  "GET /repos/{owner}/{repo}/codespaces",
  "GET /repos/{owner}/{repo}/codespaces/devcontainers",
  "GET /repos/{owner}/{repo}/codespaces/secrets",
  "GET /repos/{owner}/{repo}/collaborators",
  "GET /repos/{owner}/{repo}/comments",
  "GET /repos/{owner}/{repo}/comments/{comment_id}/reactions",
  "GET /repos/{owner}/{repo}/commits",
  "GET /repos/{owner}/{repo}/commits/{commit_sha}/comments",
  "GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls",
  "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
  "GET /repos/{owner}/{repo}/commits/{ref}/check-suites",
  "GET /repos/{owner}/{repo}/commits/{ref}/status",
  "GET /repos/{owner}/{repo}/commits/{ref}/statuses",
  "GET /repos/{owner}/{repo}/compare/{basehead}",
  "GET /repos/{owner}/{repo}/compare/{base}...{head}",
  "GET /repos/{owner}/{repo}/contributors",
  "GET /repos/{owner}/{repo}/dependabot/alerts",
  "GET /repos/{owner}/{repo}/dependabot/secrets",
  "GET /repos/{owner}/{repo}/deployments",
  "GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
  "GET /repos/{owner}/{repo}/environments",
  "GET /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies",
  "GET /repos/{owner}/{repo}/environments/{environment_name}/deployment_protection_rules/apps",
  "GET /repos/{owner}/{repo}/environments/{environment_name}/secrets",
  "GET /repos/{owner}/{repo}/environments/{environment_name}/variables",
  "GET /repos/{owner}/{repo}/events",
  "GET /repos/{owner}/{repo}/forks",
  "GET /repos/{owner}/{repo}/hooks",
  "GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries",
  "GET /repos/{owner}/{repo}/invitations",
  "GET /repos/{owner}/{repo}/issues",
  "GET /repos/{owner}/{repo}/issues/comments",
  "GET /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
  "GET /repos/{owner}/{repo}/issues/events",
  "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
  "GET /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by",
  "GET /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocking",
  "GET /repos/{owner}/{repo}/issues/{issue_number}/events",
  "GET /repos/{owner}/{repo}/issues/{issue_number}/labels",
  "GET /repos/{owner}/{repo}/issues/{issue_number}/reactions",
  "GET /repos/{owner}/{repo}/issues/{issue_number}/sub_issues",
  "GET /repos/{owner}/{repo}/issues/{issue_number}/timeline",
  "GET /repos/{owner}/{repo}/keys",
  "GET /repos/{owner}/{repo}/labels",
  "GET /repos/{owner}/{repo}/milestones",
  "GET /repos/{owner}/{repo}/milestones/{milestone_number}/labels",
  "GET /repos/{owner}/{repo}/notifications",
  "GET /repos/{owner}/{repo}/pages/builds",
  "GET /repos/{owner}/{repo}/projects",
  "GET /repos/{owner}/{repo}/pulls",
  "GET /repos/{owner}/{repo}/pulls/comments",
  "GET /repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions",
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/comments",
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/commits",
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/comments",
  "GET /repos/{owner}/{repo}/releases",
  "GET /repos/{owner}/{repo}/releases/{release_id}/assets",
  "GET /repos/{owner}/{repo}/releases/{release_id}/reactions",
  "GET /repos/{owner}/{repo}/rules/branches/{branch}",
  "GET /repos/{owner}/{repo}/rulesets",
  "GET /repos/{owner}/{repo}/rulesets/rule-suites",
  "GET /repos/{owner}/{repo}/rulesets/{ruleset_id}/history",
  "GET /repos/{owner}/{repo}/secret-scanning/alerts",
  "GET /repos/{owner}/{repo}/secret-scanning/alerts/{alert_number}/locations",
  "GET /repos/{owner}/{repo}/security-advisories",
  "GET /repos/{owner}/{repo}/stargazers",
  "GET /repos/{owner}/{repo}/subscribers",
  "GET /repos/{owner}/{repo}/tags",
  "GET /repos/{owner}/{repo}/teams",
  "GET /repos/{owner}/{repo}/topics",
  "GET /repositories",
  "GET /search/code",
  "GET /search/commits",
  "GET /search/issues",
  "GET /search/labels",
  "GET /search/repositories",
  "GET /search/topics",
  "GET /search/users",
  "GET /teams/{team_id}/discussions",
  "GET /teams/{team_id}/discussions/{discussion_number}/comments",
  "GET /teams/{team_id}/discussions/{discussion_number}/comments/{comment_number}/reactions",
  "GET /teams/{team_id}/discussions/{discussion_number}/reactions",
  "GET /teams/{team_id}/invitations",
  "GET /teams/{team_id}/members",
  "GET /teams/{team_id}/projects",
  "GET /teams/{team_id}/repos",
  "GET /teams/{team_id}/teams",
  "GET /user/blocks",
  "GET /user/codespaces",
  "GET /user/codespaces/secrets",
  "GET /user/emails",
  "GET /user/followers",
  "GET /user/following",
  "GET /user/gpg_keys",
  "GET /user/installations",
  "GET /user/installations/{installation_id}/repositories",
  "GET /user/issues",
  "GET /user/keys",
  "GET /user/marketplace_purchases",
  "GET /user/marketplace_purchases/stubbed",
  "GET /user/memberships/orgs",
  "GET /user/migrations",
  "GET /user/migrations/{migration_id}/repositories",
  "GET /user/orgs",
  "GET /user/packages",
  "GET /user/packages/{package_type}/{package_name}/versions",
  "GET /user/public_emails",
  "GET /user/repos",
  "GET /user/repository_invitations",
  "GET /user/social_accounts",
  "GET /user/ssh_signing_keys",
  "GET /user/starred",
  "GET /user/subscriptions",
  "GET /user/teams",
  "GET /users",
  "GET /users/{username}/attestations/{subject_digest}",
  "GET /users/{username}/events",
  "GET /users/{username}/events/orgs/{org}",
  "GET /users/{username}/events/public",
  "GET /users/{username}/followers",
  "GET /users/{username}/following",
  "GET /users/{username}/gists",
  "GET /users/{username}/gpg_keys",
  "GET /users/{username}/keys",
  "GET /users/{username}/orgs",
  "GET /users/{username}/packages",
  "GET /users/{username}/projects",
  "GET /users/{username}/projectsV2",
  "GET /users/{username}/projectsV2/{project_number}/fields",
  "GET /users/{username}/projectsV2/{project_number}/items",
  "GET /users/{username}/received_events",
  "GET /users/{username}/received_events/public",
  "GET /users/{username}/repos",
  "GET /users/{username}/social_accounts",
  "GET /users/{username}/ssh_signing_keys",
  "GET /users/{username}/starred",
  "GET /users/{username}/subscriptions"
]));

// pkg/dist-src/paginating-endpoints.js
function isPaginatingEndpoint(arg) {
  if (typeof arg === "string") {
    return paginatingEndpoints.includes(arg);
  } else {
    return false;
  }
}

// pkg/dist-src/index.js
function paginateRest(octokit) {
  return {
    paginate: Object.assign(paginate.bind(null, octokit), {
      iterator: iterator.bind(null, octokit)
    })
  };
}
paginateRest.VERSION = plugin_paginate_rest_dist_bundle_VERSION;


;// CONCATENATED MODULE: ./node_modules/@octokit/plugin-rest-endpoint-methods/dist-src/version.js
const plugin_rest_endpoint_methods_dist_src_version_VERSION = "17.0.0";

//# sourceMappingURL=version.js.map

;// CONCATENATED MODULE: ./node_modules/@octokit/plugin-rest-endpoint-methods/dist-src/generated/endpoints.js
const Endpoints = {
  actions: {
    addCustomLabelsToSelfHostedRunnerForOrg: [
      "POST /orgs/{org}/actions/runners/{runner_id}/labels"
    ],
    addCustomLabelsToSelfHostedRunnerForRepo: [
      "POST /repos/{owner}/{repo}/actions/runners/{runner_id}/labels"
    ],
    addRepoAccessToSelfHostedRunnerGroupInOrg: [
      "PUT /orgs/{org}/actions/runner-groups/{runner_group_id}/repositories/{repository_id}"
    ],
    addSelectedRepoToOrgSecret: [
      "PUT /orgs/{org}/actions/secrets/{secret_name}/repositories/{repository_id}"
    ],
    addSelectedRepoToOrgVariable: [
      "PUT /orgs/{org}/actions/variables/{name}/repositories/{repository_id}"
    ],
    approveWorkflowRun: [
      "POST /repos/{owner}/{repo}/actions/runs/{run_id}/approve"
    ],
    cancelWorkflowRun: [
      "POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel"
    ],
    createEnvironmentVariable: [
      "POST /repos/{owner}/{repo}/environments/{environment_name}/variables"
    ],
    createHostedRunnerForOrg: ["POST /orgs/{org}/actions/hosted-runners"],
    createOrUpdateEnvironmentSecret: [
      "PUT /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}"
    ],
    createOrUpdateOrgSecret: ["PUT /orgs/{org}/actions/secrets/{secret_name}"],
    createOrUpdateRepoSecret: [
      "PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}"
    ],
    createOrgVariable: ["POST /orgs/{org}/actions/variables"],
    createRegistrationTokenForOrg: [
      "POST /orgs/{org}/actions/runners/registration-token"
    ],
    createRegistrationTokenForRepo: [
      "POST /repos/{owner}/{repo}/actions/runners/registration-token"
    ],
    createRemoveTokenForOrg: ["POST /orgs/{org}/actions/runners/remove-token"],
    createRemoveTokenForRepo: [
      "POST /repos/{owner}/{repo}/actions/runners/remove-token"
    ],
    createRepoVariable: ["POST /repos/{owner}/{repo}/actions/variables"],
    createWorkflowDispatch: [
      "POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches"
    ],
    deleteActionsCacheById: [
      "DELETE /repos/{owner}/{repo}/actions/caches/{cache_id}"
    ],
    deleteActionsCacheByKey: [
      "DELETE /repos/{owner}/{repo}/actions/caches{?key,ref}"
    ],
    deleteArtifact: [
      "DELETE /repos/{owner}/{repo}/actions/artifacts/{artifact_id}"
    ],
    deleteCustomImageFromOrg: [
      "DELETE /orgs/{org}/actions/hosted-runners/images/custom/{image_definition_id}"
    ],
    deleteCustomImageVersionFromOrg: [
      "DELETE /orgs/{org}/actions/hosted-runners/images/custom/{image_definition_id}/versions/{version}"
    ],
    deleteEnvironmentSecret: [
      "DELETE /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}"
    ],
    deleteEnvironmentVariable: [
      "DELETE /repos/{owner}/{repo}/environments/{environment_name}/variables/{name}"
    ],
    deleteHostedRunnerForOrg: [
      "DELETE /orgs/{org}/actions/hosted-runners/{hosted_runner_id}"
    ],
    deleteOrgSecret: ["DELETE /orgs/{org}/actions/secrets/{secret_name}"],
    deleteOrgVariable: ["DELETE /orgs/{org}/actions/variables/{name}"],
    deleteRepoSecret: [
      "DELETE /repos/{owner}/{repo}/actions/secrets/{secret_name}"
    ],
    deleteRepoVariable: [
      "DELETE /repos/{owner}/{repo}/actions/variables/{name}"
    ],
    deleteSelfHostedRunnerFromOrg: [
      "DELETE /orgs/{org}/actions/runners/{runner_id}"
    ],
    deleteSelfHostedRunnerFromRepo: [
      "DELETE /repos/{owner}/{repo}/actions/runners/{runner_id}"
    ],
    deleteWorkflowRun: ["DELETE /repos/{owner}/{repo}/actions/runs/{run_id}"],
    deleteWorkflowRunLogs: [
      "DELETE /repos/{owner}/{repo}/actions/runs/{run_id}/logs"
    ],
    disableSelectedRepositoryGithubActionsOrganization: [
      "DELETE /orgs/{org}/actions/permissions/repositories/{repository_id}"
    ],
    disableWorkflow: [
      "PUT /repos/{owner}/{repo}/actions/workflows/{workflow_id}/disable"
    ],
    downloadArtifact: [
      "GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}"
    ],
    downloadJobLogsForWorkflowRun: [
      "GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs"
    ],
    downloadWorkflowRunAttemptLogs: [
      "GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/logs"
    ],
    downloadWorkflowRunLogs: [
      "GET /repos/{owner}/{repo}/actions/runs/{run_id}/logs"
    ],
    enableSelectedRepositoryGithubActionsOrganization: [
      "PUT /orgs/{org}/actions/permissions/repositories/{repository_id}"
    ],
    enableWorkflow: [
      "PUT /repos/{owner}/{repo}/actions/workflows/{workflow_id}/enable"
    ],
    forceCancelWorkflowRun: [
      "POST /repos/{owner}/{repo}/actions/runs/{run_id}/force-cancel"
    ],
    generateRunnerJitconfigForOrg: [
      "POST /orgs/{org}/actions/runners/generate-jitconfig"
    ],
    generateRunnerJitconfigForRepo: [
      "POST /repos/{owner}/{repo}/actions/runners/generate-jitconfig"
    ],
    getActionsCacheList: ["GET /repos/{owner}/{repo}/actions/caches"],
    getActionsCacheUsage: ["GET /repos/{owner}/{repo}/actions/cache/usage"],
    getActionsCacheUsageByRepoForOrg: [
      "GET /orgs/{org}/actions/cache/usage-by-repository"
    ],
    getActionsCacheUsageForOrg: ["GET /orgs/{org}/actions/cache/usage"],
    getAllowedActionsOrganization: [
      "GET /orgs/{org}/actions/permissions/selected-actions"
    ],
    getAllowedActionsRepository: [
      "GET /repos/{owner}/{repo}/actions/permissions/selected-actions"
    ],
    getArtifact: ["GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}"],
    getCustomImageForOrg: [
      "GET /orgs/{org}/actions/hosted-runners/images/custom/{image_definition_id}"
    ],
    getCustomImageVersionForOrg: [
      "GET /orgs/{org}/actions/hosted-runners/images/custom/{image_definition_id}/versions/{version}"
    ],
    getCustomOidcSubClaimForRepo: [
      "GET /repos/{owner}/{repo}/actions/oidc/customization/sub"
    ],
    getEnvironmentPublicKey: [
      "GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key"
    ],
    getEnvironmentSecret: [
      "GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}"
    ],
    getEnvironmentVariable: [
      "GET /repos/{owner}/{repo}/environments/{environment_name}/variables/{name}"
    ],
    getGithubActionsDefaultWorkflowPermissionsOrganization: [
      "GET /orgs/{org}/actions/permissions/workflow"
    ],
    getGithubActionsDefaultWorkflowPermissionsRepository: [
      "GET /repos/{owner}/{repo}/actions/permissions/workflow"
    ],
    getGithubActionsPermissionsOrganization: [
      "GET /orgs/{org}/actions/permissions"
    ],
    getGithubActionsPermissionsRepository: [
      "GET /repos/{owner}/{repo}/actions/permissions"
    ],
    getHostedRunnerForOrg: [
      "GET /orgs/{org}/actions/hosted-runners/{hosted_runner_id}"
    ],
    getHostedRunnersGithubOwnedImagesForOrg: [
      "GET /orgs/{org}/actions/hosted-runners/images/github-owned"
    ],
    getHostedRunnersLimitsForOrg: [
      "GET /orgs/{org}/actions/hosted-runners/limits"
    ],
    getHostedRunnersMachineSpecsForOrg: [
      "GET /orgs/{org}/actions/hosted-runners/machine-sizes"
    ],
    getHostedRunnersPartnerImagesForOrg: [
      "GET /orgs/{org}/actions/hosted-runners/images/partner"
    ],
    getHostedRunnersPlatformsForOrg: [
      "GET /orgs/{org}/actions/hosted-runners/platforms"
    ],
    getJobForWorkflowRun: ["GET /repos/{owner}/{repo}/actions/jobs/{job_id}"],
    getOrgPublicKey: ["GET /orgs/{org}/actions/secrets/public-key"],
    getOrgSecret: ["GET /orgs/{org}/actions/secrets/{secret_name}"],
    getOrgVariable: ["GET /orgs/{org}/actions/variables/{name}"],
    getPendingDeploymentsForRun: [
      "GET /repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments"
    ],
    getRepoPermissions: [
      "GET /repos/{owner}/{repo}/actions/permissions",
      {},
      { renamed: ["actions", "getGithubActionsPermissionsRepository"] }
    ],
    getRepoPublicKey: ["GET /repos/{owner}/{repo}/actions/secrets/public-key"],
    getRepoSecret: ["GET /repos/{owner}/{repo}/actions/secrets/{secret_name}"],
    getRepoVariable: ["GET /repos/{owner}/{repo}/actions/variables/{name}"],
    getReviewsForRun: [
      "GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals"
    ],
    getSelfHostedRunnerForOrg: ["GET /orgs/{org}/actions/runners/{runner_id}"],
    getSelfHostedRunnerForRepo: [
      "GET /repos/{owner}/{repo}/actions/runners/{runner_id}"
    ],
    getWorkflow: ["GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}"],
    getWorkflowAccessToRepository: [
      "GET /repos/{owner}/{repo}/actions/permissions/access"
    ],
    getWorkflowRun: ["GET /repos/{owner}/{repo}/actions/runs/{run_id}"],
    getWorkflowRunAttempt: [
      "GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}"
    ],
    getWorkflowRunUsage: [
      "GET /repos/{owner}/{repo}/actions/runs/{run_id}/timing"
    ],
    getWorkflowUsage: [
      "GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/timing"
    ],
    listArtifactsForRepo: ["GET /repos/{owner}/{repo}/actions/artifacts"],
    listCustomImageVersionsForOrg: [
      "GET /orgs/{org}/actions/hosted-runners/images/custom/{image_definition_id}/versions"
    ],
    listCustomImagesForOrg: [
      "GET /orgs/{org}/actions/hosted-runners/images/custom"
    ],
    listEnvironmentSecrets: [
      "GET /repos/{owner}/{repo}/environments/{environment_name}/secrets"
    ],
    listEnvironmentVariables: [
      "GET /repos/{owner}/{repo}/environments/{environment_name}/variables"
    ],
    listGithubHostedRunnersInGroupForOrg: [
      "GET /orgs/{org}/actions/runner-groups/{runner_group_id}/hosted-runners"
    ],
    listHostedRunnersForOrg: ["GET /orgs/{org}/actions/hosted-runners"],
    listJobsForWorkflowRun: [
      "GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs"
    ],
    listJobsForWorkflowRunAttempt: [
      "GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs"
    ],
    listLabelsForSelfHostedRunnerForOrg: [
      "GET /orgs/{org}/actions/runners/{runner_id}/labels"
    ],
    listLabelsForSelfHostedRunnerForRepo: [
      "GET /repos/{owner}/{repo}/actions/runners/{runner_id}/labels"
    ],
    listOrgSecrets: ["GET /orgs/{org}/actions/secrets"],
    listOrgVariables: ["GET /orgs/{org}/actions/variables"],
    listRepoOrganizationSecrets: [
      "GET /repos/{owner}/{repo}/actions/organization-secrets"
    ],
    listRepoOrganizationVariables: [
      "GET /repos/{owner}/{repo}/actions/organization-variables"
    ],
    listRepoSecrets: ["GET /repos/{owner}/{repo}/actions/secrets"],
    listRepoVariables: ["GET /repos/{owner}/{repo}/actions/variables"],
    listRepoWorkflows: ["GET /repos/{owner}/{repo}/actions/workflows"],
    listRunnerApplicationsForOrg: ["GET /orgs/{org}/actions/runners/downloads"],
    listRunnerApplicationsForRepo: [
      "GET /repos/{owner}/{repo}/actions/runners/downloads"
    ],
    listSelectedReposForOrgSecret: [
      "GET /orgs/{org}/actions/secrets/{secret_name}/repositories"
    ],
    listSelectedReposForOrgVariable: [
      "GET /orgs/{org}/actions/variables/{name}/repositories"
    ],
    listSelectedRepositoriesEnabledGithubActionsOrganization: [
      "GET /orgs/{org}/actions/permissions/repositories"
    ],
    listSelfHostedRunnersForOrg: ["GET /orgs/{org}/actions/runners"],
    listSelfHostedRunnersForRepo: ["GET /repos/{owner}/{repo}/actions/runners"],
    listWorkflowRunArtifacts: [
      "GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts"
    ],
    listWorkflowRuns: [
      "GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs"
    ],
    listWorkflowRunsForRepo: ["GET /repos/{owner}/{repo}/actions/runs"],
    reRunJobForWorkflowRun: [
      "POST /repos/{owner}/{repo}/actions/jobs/{job_id}/rerun"
    ],
    reRunWorkflow: ["POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun"],
    reRunWorkflowFailedJobs: [
      "POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs"
    ],
    removeAllCustomLabelsFromSelfHostedRunnerForOrg: [
      "DELETE /orgs/{org}/actions/runners/{runner_id}/labels"
    ],
    removeAllCustomLabelsFromSelfHostedRunnerForRepo: [
      "DELETE /repos/{owner}/{repo}/actions/runners/{runner_id}/labels"
    ],
    removeCustomLabelFromSelfHostedRunnerForOrg: [
      "DELETE /orgs/{org}/actions/runners/{runner_id}/labels/{name}"
    ],
    removeCustomLabelFromSelfHostedRunnerForRepo: [
      "DELETE /repos/{owner}/{repo}/actions/runners/{runner_id}/labels/{name}"
    ],
    removeSelectedRepoFromOrgSecret: [
      "DELETE /orgs/{org}/actions/secrets/{secret_name}/repositories/{repository_id}"
    ],
    removeSelectedRepoFromOrgVariable: [
      "DELETE /orgs/{org}/actions/variables/{name}/repositories/{repository_id}"
    ],
    reviewCustomGatesForRun: [
      "POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule"
    ],
    reviewPendingDeploymentsForRun: [
      "POST /repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments"
    ],
    setAllowedActionsOrganization: [
      "PUT /orgs/{org}/actions/permissions/selected-actions"
    ],
    setAllowedActionsRepository: [
      "PUT /repos/{owner}/{repo}/actions/permissions/selected-actions"
    ],
    setCustomLabelsForSelfHostedRunnerForOrg: [
      "PUT /orgs/{org}/actions/runners/{runner_id}/labels"
    ],
    setCustomLabelsForSelfHostedRunnerForRepo: [
      "PUT /repos/{owner}/{repo}/actions/runners/{runner_id}/labels"
    ],
    setCustomOidcSubClaimForRepo: [
      "PUT /repos/{owner}/{repo}/actions/oidc/customization/sub"
    ],
    setGithubActionsDefaultWorkflowPermissionsOrganization: [
      "PUT /orgs/{org}/actions/permissions/workflow"
    ],
    setGithubActionsDefaultWorkflowPermissionsRepository: [
      "PUT /repos/{owner}/{repo}/actions/permissions/workflow"
    ],
    setGithubActionsPermissionsOrganization: [
      "PUT /orgs/{org}/actions/permissions"
    ],
    setGithubActionsPermissionsRepository: [
      "PUT /repos/{owner}/{repo}/actions/permissions"
    ],
    setSelectedReposForOrgSecret: [
      "PUT /orgs/{org}/actions/secrets/{secret_name}/repositories"
    ],
    setSelectedReposForOrgVariable: [
      "PUT /orgs/{org}/actions/variables/{name}/repositories"
    ],
    setSelectedRepositoriesEnabledGithubActionsOrganization: [
      "PUT /orgs/{org}/actions/permissions/repositories"
    ],
    setWorkflowAccessToRepository: [
      "PUT /repos/{owner}/{repo}/actions/permissions/access"
    ],
    updateEnvironmentVariable: [
      "PATCH /repos/{owner}/{repo}/environments/{environment_name}/variables/{name}"
    ],
    updateHostedRunnerForOrg: [
      "PATCH /orgs/{org}/actions/hosted-runners/{hosted_runner_id}"
    ],
    updateOrgVariable: ["PATCH /orgs/{org}/actions/variables/{name}"],
    updateRepoVariable: [
      "PATCH /repos/{owner}/{repo}/actions/variables/{name}"
    ]
  },
  activity: {
    checkRepoIsStarredByAuthenticatedUser: ["GET /user/starred/{owner}/{repo}"],
    deleteRepoSubscription: ["DELETE /repos/{owner}/{repo}/subscription"],
    deleteThreadSubscription: [
      "DELETE /notifications/threads/{thread_id}/subscription"
    ],
    getFeeds: ["GET /feeds"],
    getRepoSubscription: ["GET /repos/{owner}/{repo}/subscription"],
    getThread: ["GET /notifications/threads/{thread_id}"],
    getThreadSubscriptionForAuthenticatedUser: [
      "GET /notifications/threads/{thread_id}/subscription"
    ],
    listEventsForAuthenticatedUser: ["GET /users/{username}/events"],
    listNotificationsForAuthenticatedUser: ["GET /notifications"],
    listOrgEventsForAuthenticatedUser: [
      "GET /users/{username}/events/orgs/{org}"
    ],
    listPublicEvents: ["GET /events"],
    listPublicEventsForRepoNetwork: ["GET /networks/{owner}/{repo}/events"],
    listPublicEventsForUser: ["GET /users/{username}/events/public"],
    listPublicOrgEvents: ["GET /orgs/{org}/events"],
    listReceivedEventsForUser: ["GET /users/{username}/received_events"],
    listReceivedPublicEventsForUser: [
      "GET /users/{username}/received_events/public"
    ],
    listRepoEvents: ["GET /repos/{owner}/{repo}/events"],
    listRepoNotificationsForAuthenticatedUser: [
      "GET /repos/{owner}/{repo}/notifications"
    ],
    listReposStarredByAuthenticatedUser: ["GET /user/starred"],
    listReposStarredByUser: ["GET /users/{username}/starred"],
    listReposWatchedByUser: ["GET /users/{username}/subscriptions"],
    listStargazersForRepo: ["GET /repos/{owner}/{repo}/stargazers"],
    listWatchedReposForAuthenticatedUser: ["GET /user/subscriptions"],
    listWatchersForRepo: ["GET /repos/{owner}/{repo}/subscribers"],
    markNotificationsAsRead: ["PUT /notifications"],
    markRepoNotificationsAsRead: ["PUT /repos/{owner}/{repo}/notifications"],
    markThreadAsDone: ["DELETE /notifications/threads/{thread_id}"],
    markThreadAsRead: ["PATCH /notifications/threads/{thread_id}"],
    setRepoSubscription: ["PUT /repos/{owner}/{repo}/subscription"],
    setThreadSubscription: [
      "PUT /notifications/threads/{thread_id}/subscription"
    ],
    starRepoForAuthenticatedUser: ["PUT /user/starred/{owner}/{repo}"],
    unstarRepoForAuthenticatedUser: ["DELETE /user/starred/{owner}/{repo}"]
  },
  apps: {
    addRepoToInstallation: [
      "PUT /user/installations/{installation_id}/repositories/{repository_id}",
      {},
      { renamed: ["apps", "addRepoToInstallationForAuthenticatedUser"] }
    ],
    addRepoToInstallationForAuthenticatedUser: [
      "PUT /user/installations/{installation_id}/repositories/{repository_id}"
    ],
    checkToken: ["POST /applications/{client_id}/token"],
    createFromManifest: ["POST /app-manifests/{code}/conversions"],
    createInstallationAccessToken: [
      "POST /app/installations/{installation_id}/access_tokens"
    ],
    deleteAuthorization: ["DELETE /applications/{client_id}/grant"],
    deleteInstallation: ["DELETE /app/installations/{installation_id}"],
    deleteToken: ["DELETE /applications/{client_id}/token"],
    getAuthenticated: ["GET /app"],
    getBySlug: ["GET /apps/{app_slug}"],
    getInstallation: ["GET /app/installations/{installation_id}"],
    getOrgInstallation: ["GET /orgs/{org}/installation"],
    getRepoInstallation: ["GET /repos/{owner}/{repo}/installation"],
    getSubscriptionPlanForAccount: [
      "GET /marketplace_listing/accounts/{account_id}"
    ],
    getSubscriptionPlanForAccountStubbed: [
      "GET /marketplace_listing/stubbed/accounts/{account_id}"
    ],
    getUserInstallation: ["GET /users/{username}/installation"],
    getWebhookConfigForApp: ["GET /app/hook/config"],
    getWebhookDelivery: ["GET /app/hook/deliveries/{delivery_id}"],
    listAccountsForPlan: ["GET /marketplace_listing/plans/{plan_id}/accounts"],
    listAccountsForPlanStubbed: [
      "GET /marketplace_listing/stubbed/plans/{plan_id}/accounts"
    ],
    listInstallationReposForAuthenticatedUser: [
      "GET /user/installations/{installation_id}/repositories"
    ],
    listInstallationRequestsForAuthenticatedApp: [
      "GET /app/installation-requests"
    ],
    listInstallations: ["GET /app/installations"],
    listInstallationsForAuthenticatedUser: ["GET /user/installations"],
    listPlans: ["GET /marketplace_listing/plans"],
    listPlansStubbed: ["GET /marketplace_listing/stubbed/plans"],
    listReposAccessibleToInstallation: ["GET /installation/repositories"],
    listSubscriptionsForAuthenticatedUser: ["GET /user/marketplace_purchases"],
    listSubscriptionsForAuthenticatedUserStubbed: [
      "GET /user/marketplace_purchases/stubbed"
    ],
    listWebhookDeliveries: ["GET /app/hook/deliveries"],
    redeliverWebhookDelivery: [
      "POST /app/hook/deliveries/{delivery_id}/attempts"
    ],
    removeRepoFromInstallation: [
      "DELETE /user/installations/{installation_id}/repositories/{repository_id}",
      {},
      { renamed: ["apps", "removeRepoFromInstallationForAuthenticatedUser"] }
    ],
    removeRepoFromInstallationForAuthenticatedUser: [
      "DELETE /user/installations/{installation_id}/repositories/{repository_id}"
    ],
    resetToken: ["PATCH /applications/{client_id}/token"],
    revokeInstallationAccessToken: ["DELETE /installation/token"],
    scopeToken: ["POST /applications/{client_id}/token/scoped"],
    suspendInstallation: ["PUT /app/installations/{installation_id}/suspended"],
    unsuspendInstallation: [
      "DELETE /app/installations/{installation_id}/suspended"
    ],
    updateWebhookConfigForApp: ["PATCH /app/hook/config"]
  },
  billing: {
    getGithubActionsBillingOrg: ["GET /orgs/{org}/settings/billing/actions"],
    getGithubActionsBillingUser: [
      "GET /users/{username}/settings/billing/actions"
    ],
    getGithubBillingPremiumRequestUsageReportOrg: [
      "GET /organizations/{org}/settings/billing/premium_request/usage"
    ],
    getGithubBillingPremiumRequestUsageReportUser: [
      "GET /users/{username}/settings/billing/premium_request/usage"
    ],
    getGithubBillingUsageReportOrg: [
      "GET /organizations/{org}/settings/billing/usage"
    ],
    getGithubBillingUsageReportUser: [
      "GET /users/{username}/settings/billing/usage"
    ],
    getGithubPackagesBillingOrg: ["GET /orgs/{org}/settings/billing/packages"],
    getGithubPackagesBillingUser: [
      "GET /users/{username}/settings/billing/packages"
    ],
    getSharedStorageBillingOrg: [
      "GET /orgs/{org}/settings/billing/shared-storage"
    ],
    getSharedStorageBillingUser: [
      "GET /users/{username}/settings/billing/shared-storage"
    ]
  },
  campaigns: {
    createCampaign: ["POST /orgs/{org}/campaigns"],
    deleteCampaign: ["DELETE /orgs/{org}/campaigns/{campaign_number}"],
    getCampaignSummary: ["GET /orgs/{org}/campaigns/{campaign_number}"],
    listOrgCampaigns: ["GET /orgs/{org}/campaigns"],
    updateCampaign: ["PATCH /orgs/{org}/campaigns/{campaign_number}"]
  },
  checks: {
    create: ["POST /repos/{owner}/{repo}/check-runs"],
    createSuite: ["POST /repos/{owner}/{repo}/check-suites"],
    get: ["GET /repos/{owner}/{repo}/check-runs/{check_run_id}"],
    getSuite: ["GET /repos/{owner}/{repo}/check-suites/{check_suite_id}"],
    listAnnotations: [
      "GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations"
    ],
    listForRef: ["GET /repos/{owner}/{repo}/commits/{ref}/check-runs"],
    listForSuite: [
      "GET /repos/{owner}/{repo}/check-suites/{check_suite_id}/check-runs"
    ],
    listSuitesForRef: ["GET /repos/{owner}/{repo}/commits/{ref}/check-suites"],
    rerequestRun: [
      "POST /repos/{owner}/{repo}/check-runs/{check_run_id}/rerequest"
    ],
    rerequestSuite: [
      "POST /repos/{owner}/{repo}/check-suites/{check_suite_id}/rerequest"
    ],
    setSuitesPreferences: [
      "PATCH /repos/{owner}/{repo}/check-suites/preferences"
    ],
    update: ["PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}"]
  },
  codeScanning: {
    commitAutofix: [
      "POST /repos/{owner}/{repo}/code-scanning/alerts/{alert_number}/autofix/commits"
    ],
    createAutofix: [
      "POST /repos/{owner}/{repo}/code-scanning/alerts/{alert_number}/autofix"
    ],
    createVariantAnalysis: [
      "POST /repos/{owner}/{repo}/code-scanning/codeql/variant-analyses"
    ],
    deleteAnalysis: [
      "DELETE /repos/{owner}/{repo}/code-scanning/analyses/{analysis_id}{?confirm_delete}"
    ],
    deleteCodeqlDatabase: [
      "DELETE /repos/{owner}/{repo}/code-scanning/codeql/databases/{language}"
    ],
    getAlert: [
      "GET /repos/{owner}/{repo}/code-scanning/alerts/{alert_number}",
      {},
      { renamedParameters: { alert_id: "alert_number" } }
    ],
    getAnalysis: [
      "GET /repos/{owner}/{repo}/code-scanning/analyses/{analysis_id}"
    ],
    getAutofix: [
      "GET /repos/{owner}/{repo}/code-scanning/alerts/{alert_number}/autofix"
    ],
    getCodeqlDatabase: [
      "GET /repos/{owner}/{repo}/code-scanning/codeql/databases/{language}"
    ],
    getDefaultSetup: ["GET /repos/{owner}/{repo}/code-scanning/default-setup"],
    getSarif: ["GET /repos/{owner}/{repo}/code-scanning/sarifs/{sarif_id}"],
    getVariantAnalysis: [
      "GET /repos/{owner}/{repo}/code-scanning/codeql/variant-analyses/{codeql_variant_analysis_id}"
    ],
    getVariantAnalysisRepoTask: [
      "GET /repos/{owner}/{repo}/code-scanning/codeql/variant-analyses/{codeql_variant_analysis_id}/repos/{repo_owner}/{repo_name}"
    ],
    listAlertInstances: [
      "GET /repos/{owner}/{repo}/code-scanning/alerts/{alert_number}/instances"
    ],
    listAlertsForOrg: ["GET /orgs/{org}/code-scanning/alerts"],
    listAlertsForRepo: ["GET /repos/{owner}/{repo}/code-scanning/alerts"],
    listAlertsInstances: [
      "GET /repos/{owner}/{repo}/code-scanning/alerts/{alert_number}/instances",
      {},
      { renamed: ["codeScanning", "listAlertInstances"] }
    ],
    listCodeqlDatabases: [
      "GET /repos/{owner}/{repo}/code-scanning/codeql/databases"
    ],
    listRecentAnalyses: ["GET /repos/{owner}/{repo}/code-scanning/analyses"],
    updateAlert: [
      "PATCH /repos/{owner}/{repo}/code-scanning/alerts/{alert_number}"
    ],
    updateDefaultSetup: [
      "PATCH /repos/{owner}/{repo}/code-scanning/default-setup"
    ],
    uploadSarif: ["POST /repos/{owner}/{repo}/code-scanning/sarifs"]
  },
  codeSecurity: {
    attachConfiguration: [
      "POST /orgs/{org}/code-security/configurations/{configuration_id}/attach"
    ],
    attachEnterpriseConfiguration: [
      "POST /enterprises/{enterprise}/code-security/configurations/{configuration_id}/attach"
    ],
    createConfiguration: ["POST /orgs/{org}/code-security/configurations"],
    createConfigurationForEnterprise: [
      "POST /enterprises/{enterprise}/code-security/configurations"
    ],
    deleteConfiguration: [
      "DELETE /orgs/{org}/code-security/configurations/{configuration_id}"
    ],
    deleteConfigurationForEnterprise: [
      "DELETE /enterprises/{enterprise}/code-security/configurations/{configuration_id}"
    ],
    detachConfiguration: [
      "DELETE /orgs/{org}/code-security/configurations/detach"
    ],
    getConfiguration: [
      "GET /orgs/{org}/code-security/configurations/{configuration_id}"
    ],
    getConfigurationForRepository: [
      "GET /repos/{owner}/{repo}/code-security-configuration"
    ],
    getConfigurationsForEnterprise: [
      "GET /enterprises/{enterprise}/code-security/configurations"
    ],
    getConfigurationsForOrg: ["GET /orgs/{org}/code-security/configurations"],
    getDefaultConfigurations: [
      "GET /orgs/{org}/code-security/configurations/defaults"
    ],
    getDefaultConfigurationsForEnterprise: [
      "GET /enterprises/{enterprise}/code-security/configurations/defaults"
    ],
    getRepositoriesForConfiguration: [
      "GET /orgs/{org}/code-security/configurations/{configuration_id}/repositories"
    ],
    getRepositoriesForEnterpriseConfiguration: [
      "GET /enterprises/{enterprise}/code-security/configurations/{configuration_id}/repositories"
    ],
    getSingleConfigurationForEnterprise: [
      "GET /enterprises/{enterprise}/code-security/configurations/{configuration_id}"
    ],
    setConfigurationAsDefault: [
      "PUT /orgs/{org}/code-security/configurations/{configuration_id}/defaults"
    ],
    setConfigurationAsDefaultForEnterprise: [
      "PUT /enterprises/{enterprise}/code-security/configurations/{configuration_id}/defaults"
    ],
    updateConfiguration: [
      "PATCH /orgs/{org}/code-security/configurations/{configuration_id}"
    ],
    updateEnterpriseConfiguration: [
      "PATCH /enterprises/{enterprise}/code-security/configurations/{configuration_id}"
    ]
  },
  codesOfConduct: {
    getAllCodesOfConduct: ["GET /codes_of_conduct"],
    getConductCode: ["GET /codes_of_conduct/{key}"]
  },
  codespaces: {
    addRepositoryForSecretForAuthenticatedUser: [
      "PUT /user/codespaces/secrets/{secret_name}/repositories/{repository_id}"
    ],
    addSelectedRepoToOrgSecret: [
      "PUT /orgs/{org}/codespaces/secrets/{secret_name}/repositories/{repository_id}"
    ],
    checkPermissionsForDevcontainer: [
      "GET /repos/{owner}/{repo}/codespaces/permissions_check"
    ],
    codespaceMachinesForAuthenticatedUser: [
      "GET /user/codespaces/{codespace_name}/machines"
    ],
    createForAuthenticatedUser: ["POST /user/codespaces"],
    createOrUpdateOrgSecret: [
      "PUT /orgs/{org}/codespaces/secrets/{secret_name}"
    ],
    createOrUpdateRepoSecret: [
      "PUT /repos/{owner}/{repo}/codespaces/secrets/{secret_name}"
    ],
    createOrUpdateSecretForAuthenticatedUser: [
      "PUT /user/codespaces/secrets/{secret_name}"
    ],
    createWithPrForAuthenticatedUser: [
      "POST /repos/{owner}/{repo}/pulls/{pull_number}/codespaces"
    ],
    createWithRepoForAuthenticatedUser: [
      "POST /repos/{owner}/{repo}/codespaces"
    ],
    deleteForAuthenticatedUser: ["DELETE /user/codespaces/{codespace_name}"],
    deleteFromOrganization: [
      "DELETE /orgs/{org}/members/{username}/codespaces/{codespace_name}"
    ],
    deleteOrgSecret: ["DELETE /orgs/{org}/codespaces/secrets/{secret_name}"],
    deleteRepoSecret: [
      "DELETE /repos/{owner}/{repo}/codespaces/secrets/{secret_name}"
    ],
    deleteSecretForAuthenticatedUser: [
      "DELETE /user/codespaces/secrets/{secret_name}"
    ],
    exportForAuthenticatedUser: [
      "POST /user/codespaces/{codespace_name}/exports"
    ],
    getCodespacesForUserInOrg: [
      "GET /orgs/{org}/members/{username}/codespaces"
    ],
    getExportDetailsForAuthenticatedUser: [
      "GET /user/codespaces/{codespace_name}/exports/{export_id}"
    ],
    getForAuthenticatedUser: ["GET /user/codespaces/{codespace_name}"],
    getOrgPublicKey: ["GET /orgs/{org}/codespaces/secrets/public-key"],
    getOrgSecret: ["GET /orgs/{org}/codespaces/secrets/{secret_name}"],
    getPublicKeyForAuthenticatedUser: [
      "GET /user/codespaces/secrets/public-key"
    ],
    getRepoPublicKey: [
      "GET /repos/{owner}/{repo}/codespaces/secrets/public-key"
    ],
    getRepoSecret: [
      "GET /repos/{owner}/{repo}/codespaces/secrets/{secret_name}"
    ],
    getSecretForAuthenticatedUser: [
      "GET /user/codespaces/secrets/{secret_name}"
    ],
    listDevcontainersInRepositoryForAuthenticatedUser: [
      "GET /repos/{owner}/{repo}/codespaces/devcontainers"
    ],
    listForAuthenticatedUser: ["GET /user/codespaces"],
    listInOrganization: [
      "GET /orgs/{org}/codespaces",
      {},
      { renamedParameters: { org_id: "org" } }
    ],
    listInRepositoryForAuthenticatedUser: [
      "GET /repos/{owner}/{repo}/codespaces"
    ],
    listOrgSecrets: ["GET /orgs/{org}/codespaces/secrets"],
    listRepoSecrets: ["GET /repos/{owner}/{repo}/codespaces/secrets"],
    listRepositoriesForSecretForAuthenticatedUser: [
      "GET /user/codespaces/secrets/{secret_name}/repositories"
    ],
    listSecretsForAuthenticatedUser: ["GET /user/codespaces/secrets"],
    listSelectedReposForOrgSecret: [
      "GET /orgs/{org}/codespaces/secrets/{secret_name}/repositories"
    ],
    preFlightWithRepoForAuthenticatedUser: [
      "GET /repos/{owner}/{repo}/codespaces/new"
    ],
    publishForAuthenticatedUser: [
      "POST /user/codespaces/{codespace_name}/publish"
    ],
    removeRepositoryForSecretForAuthenticatedUser: [
      "DELETE /user/codespaces/secrets/{secret_name}/repositories/{repository_id}"
    ],
    removeSelectedRepoFromOrgSecret: [
      "DELETE /orgs/{org}/codespaces/secrets/{secret_name}/repositories/{repository_id}"
    ],
    repoMachinesForAuthenticatedUser: [
      "GET /repos/{owner}/{repo}/codespaces/machines"
    ],
    setRepositoriesForSecretForAuthenticatedUser: [
      "PUT /user/codespaces/secrets/{secret_name}/repositories"
    ],
    setSelectedReposForOrgSecret: [
      "PUT /orgs/{org}/codespaces/secrets/{secret_name}/repositories"
    ],
    startForAuthenticatedUser: ["POST /user/codespaces/{codespace_name}/start"],
    stopForAuthenticatedUser: ["POST /user/codespaces/{codespace_name}/stop"],
    stopInOrganization: [
      "POST /orgs/{org}/members/{username}/codespaces/{codespace_name}/stop"
    ],
    updateForAuthenticatedUser: ["PATCH /user/codespaces/{codespace_name}"]
  },
  copilot: {
    addCopilotSeatsForTeams: [
      "POST /orgs/{org}/copilot/billing/selected_teams"
    ],
    addCopilotSeatsForUsers: [
      "POST /orgs/{org}/copilot/billing/selected_users"
    ],
    cancelCopilotSeatAssignmentForTeams: [
      "DELETE /orgs/{org}/copilot/billing/selected_teams"
    ],
    cancelCopilotSeatAssignmentForUsers: [
      "DELETE /orgs/{org}/copilot/billing/selected_users"
    ],
    copilotMetricsForOrganization: ["GET /orgs/{org}/copilot/metrics"],
    copilotMetricsForTeam: ["GET /orgs/{org}/team/{team_slug}/copilot/metrics"],
    getCopilotOrganizationDetails: ["GET /orgs/{org}/copilot/billing"],
    getCopilotSeatDetailsForUser: [
      "GET /orgs/{org}/members/{username}/copilot"
    ],
    listCopilotSeats: ["GET /orgs/{org}/copilot/billing/seats"]
  },
  credentials: { revoke: ["POST /credentials/revoke"] },
  dependabot: {
    addSelectedRepoToOrgSecret: [
      "PUT /orgs/{org}/dependabot/secrets/{secret_name}/repositories/{repository_id}"
    ],
    createOrUpdateOrgSecret: [
      "PUT /orgs/{org}/dependabot/secrets/{secret_name}"
    ],
    createOrUpdateRepoSecret: [
      "PUT /repos/{owner}/{repo}/dependabot/secrets/{secret_name}"
    ],
    deleteOrgSecret: ["DELETE /orgs/{org}/dependabot/secrets/{secret_name}"],
    deleteRepoSecret: [
      "DELETE /repos/{owner}/{repo}/dependabot/secrets/{secret_name}"
    ],
    getAlert: ["GET /repos/{owner}/{repo}/dependabot/alerts/{alert_number}"],
    getOrgPublicKey: ["GET /orgs/{org}/dependabot/secrets/public-key"],
    getOrgSecret: ["GET /orgs/{org}/dependabot/secrets/{secret_name}"],
    getRepoPublicKey: [
      "GET /repos/{owner}/{repo}/dependabot/secrets/public-key"
    ],
    getRepoSecret: [
      "GET /repos/{owner}/{repo}/dependabot/secrets/{secret_name}"
    ],
    listAlertsForEnterprise: [
      "GET /enterprises/{enterprise}/dependabot/alerts"
    ],
    listAlertsForOrg: ["GET /orgs/{org}/dependabot/alerts"],
    listAlertsForRepo: ["GET /repos/{owner}/{repo}/dependabot/alerts"],
    listOrgSecrets: ["GET /orgs/{org}/dependabot/secrets"],
    listRepoSecrets: ["GET /repos/{owner}/{repo}/dependabot/secrets"],
    listSelectedReposForOrgSecret: [
      "GET /orgs/{org}/dependabot/secrets/{secret_name}/repositories"
    ],
    removeSelectedRepoFromOrgSecret: [
      "DELETE /orgs/{org}/dependabot/secrets/{secret_name}/repositories/{repository_id}"
    ],
    repositoryAccessForOrg: [
      "GET /organizations/{org}/dependabot/repository-access"
    ],
    setRepositoryAccessDefaultLevel: [
      "PUT /organizations/{org}/dependabot/repository-access/default-level"
    ],
    setSelectedReposForOrgSecret: [
      "PUT /orgs/{org}/dependabot/secrets/{secret_name}/repositories"
    ],
    updateAlert: [
      "PATCH /repos/{owner}/{repo}/dependabot/alerts/{alert_number}"
    ],
    updateRepositoryAccessForOrg: [
      "PATCH /organizations/{org}/dependabot/repository-access"
    ]
  },
  dependencyGraph: {
    createRepositorySnapshot: [
      "POST /repos/{owner}/{repo}/dependency-graph/snapshots"
    ],
    diffRange: [
      "GET /repos/{owner}/{repo}/dependency-graph/compare/{basehead}"
    ],
    exportSbom: ["GET /repos/{owner}/{repo}/dependency-graph/sbom"]
  },
  emojis: { get: ["GET /emojis"] },
  enterpriseTeamMemberships: {
    add: [
      "PUT /enterprises/{enterprise}/teams/{enterprise-team}/memberships/{username}"
    ],
    bulkAdd: [
      "POST /enterprises/{enterprise}/teams/{enterprise-team}/memberships/add"
    ],
    bulkRemove: [
      "POST /enterprises/{enterprise}/teams/{enterprise-team}/memberships/remove"
    ],
    get: [
      "GET /enterprises/{enterprise}/teams/{enterprise-team}/memberships/{username}"
    ],
    list: ["GET /enterprises/{enterprise}/teams/{enterprise-team}/memberships"],
    remove: [
      "DELETE /enterprises/{enterprise}/teams/{enterprise-team}/memberships/{username}"
    ]
  },
  enterpriseTeamOrganizations: {
    add: [
      "PUT /enterprises/{enterprise}/teams/{enterprise-team}/organizations/{org}"
    ],
    bulkAdd: [
      "POST /enterprises/{enterprise}/teams/{enterprise-team}/organizations/add"
    ],
    bulkRemove: [
      "POST /enterprises/{enterprise}/teams/{enterprise-team}/organizations/remove"
    ],
    delete: [
      "DELETE /enterprises/{enterprise}/teams/{enterprise-team}/organizations/{org}"
    ],
    getAssignment: [
      "GET /enterprises/{enterprise}/teams/{enterprise-team}/organizations/{org}"
    ],
    getAssignments: [
      "GET /enterprises/{enterprise}/teams/{enterprise-team}/organizations"
    ]
  },
  enterpriseTeams: {
    create: ["POST /enterprises/{enterprise}/teams"],
    delete: ["DELETE /enterprises/{enterprise}/teams/{team_slug}"],
    get: ["GET /enterprises/{enterprise}/teams/{team_slug}"],
    list: ["GET /enterprises/{enterprise}/teams"],
    update: ["PATCH /enterprises/{enterprise}/teams/{team_slug}"]
  },
  gists: {
    checkIsStarred: ["GET /gists/{gist_id}/star"],
    create: ["POST /gists"],
    createComment: ["POST /gists/{gist_id}/comments"],
    delete: ["DELETE /gists/{gist_id}"],
    deleteComment: ["DELETE /gists/{gist_id}/comments/{comment_id}"],
    fork: ["POST /gists/{gist_id}/forks"],
    get: ["GET /gists/{gist_id}"],
    getComment: ["GET /gists/{gist_id}/comments/{comment_id}"],
    getRevision: ["GET /gists/{gist_id}/{sha}"],
    list: ["GET /gists"],
    listComments: ["GET /gists/{gist_id}/comments"],
    listCommits: ["GET /gists/{gist_id}/commits"],
    listForUser: ["GET /users/{username}/gists"],
    listForks: ["GET /gists/{gist_id}/forks"],
    listPublic: ["GET /gists/public"],
    listStarred: ["GET /gists/starred"],
    star: ["PUT /gists/{gist_id}/star"],
    unstar: ["DELETE /gists/{gist_id}/star"],
    update: ["PATCH /gists/{gist_id}"],
    updateComment: ["PATCH /gists/{gist_id}/comments/{comment_id}"]
  },
  git: {
    createBlob: ["POST /repos/{owner}/{repo}/git/blobs"],
    createCommit: ["POST /repos/{owner}/{repo}/git/commits"],
    createRef: ["POST /repos/{owner}/{repo}/git/refs"],
    createTag: ["POST /repos/{owner}/{repo}/git/tags"],
    createTree: ["POST /repos/{owner}/{repo}/git/trees"],
    deleteRef: ["DELETE /repos/{owner}/{repo}/git/refs/{ref}"],
    getBlob: ["GET /repos/{owner}/{repo}/git/blobs/{file_sha}"],
    getCommit: ["GET /repos/{owner}/{repo}/git/commits/{commit_sha}"],
    getRef: ["GET /repos/{owner}/{repo}/git/ref/{ref}"],
    getTag: ["GET /repos/{owner}/{repo}/git/tags/{tag_sha}"],
    getTree: ["GET /repos/{owner}/{repo}/git/trees/{tree_sha}"],
    listMatchingRefs: ["GET /repos/{owner}/{repo}/git/matching-refs/{ref}"],
    updateRef: ["PATCH /repos/{owner}/{repo}/git/refs/{ref}"]
  },
  gitignore: {
    getAllTemplates: ["GET /gitignore/templates"],
    getTemplate: ["GET /gitignore/templates/{name}"]
  },
  hostedCompute: {
    createNetworkConfigurationForOrg: [
      "POST /orgs/{org}/settings/network-configurations"
    ],
    deleteNetworkConfigurationFromOrg: [
      "DELETE /orgs/{org}/settings/network-configurations/{network_configuration_id}"
    ],
    getNetworkConfigurationForOrg: [
      "GET /orgs/{org}/settings/network-configurations/{network_configuration_id}"
    ],
    getNetworkSettingsForOrg: [
      "GET /orgs/{org}/settings/network-settings/{network_settings_id}"
    ],
    listNetworkConfigurationsForOrg: [
      "GET /orgs/{org}/settings/network-configurations"
    ],
    updateNetworkConfigurationForOrg: [
      "PATCH /orgs/{org}/settings/network-configurations/{network_configuration_id}"
    ]
  },
  interactions: {
    getRestrictionsForAuthenticatedUser: ["GET /user/interaction-limits"],
    getRestrictionsForOrg: ["GET /orgs/{org}/interaction-limits"],
    getRestrictionsForRepo: ["GET /repos/{owner}/{repo}/interaction-limits"],
    getRestrictionsForYourPublicRepos: [
      "GET /user/interaction-limits",
      {},
      { renamed: ["interactions", "getRestrictionsForAuthenticatedUser"] }
    ],
    removeRestrictionsForAuthenticatedUser: ["DELETE /user/interaction-limits"],
    removeRestrictionsForOrg: ["DELETE /orgs/{org}/interaction-limits"],
    removeRestrictionsForRepo: [
      "DELETE /repos/{owner}/{repo}/interaction-limits"
    ],
    removeRestrictionsForYourPublicRepos: [
      "DELETE /user/interaction-limits",
      {},
      { renamed: ["interactions", "removeRestrictionsForAuthenticatedUser"] }
    ],
    setRestrictionsForAuthenticatedUser: ["PUT /user/interaction-limits"],
    setRestrictionsForOrg: ["PUT /orgs/{org}/interaction-limits"],
    setRestrictionsForRepo: ["PUT /repos/{owner}/{repo}/interaction-limits"],
    setRestrictionsForYourPublicRepos: [
      "PUT /user/interaction-limits",
      {},
      { renamed: ["interactions", "setRestrictionsForAuthenticatedUser"] }
    ]
  },
  issues: {
    addAssignees: [
      "POST /repos/{owner}/{repo}/issues/{issue_number}/assignees"
    ],
    addBlockedByDependency: [
      "POST /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by"
    ],
    addLabels: ["POST /repos/{owner}/{repo}/issues/{issue_number}/labels"],
    addSubIssue: [
      "POST /repos/{owner}/{repo}/issues/{issue_number}/sub_issues"
    ],
    checkUserCanBeAssigned: ["GET /repos/{owner}/{repo}/assignees/{assignee}"],
    checkUserCanBeAssignedToIssue: [
      "GET /repos/{owner}/{repo}/issues/{issue_number}/assignees/{assignee}"
    ],
    create: ["POST /repos/{owner}/{repo}/issues"],
    createComment: [
      "POST /repos/{owner}/{repo}/issues/{issue_number}/comments"
    ],
    createLabel: ["POST /repos/{owner}/{repo}/labels"],
    createMilestone: ["POST /repos/{owner}/{repo}/milestones"],
    deleteComment: [
      "DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}"
    ],
    deleteLabel: ["DELETE /repos/{owner}/{repo}/labels/{name}"],
    deleteMilestone: [
      "DELETE /repos/{owner}/{repo}/milestones/{milestone_number}"
    ],
    get: ["GET /repos/{owner}/{repo}/issues/{issue_number}"],
    getComment: ["GET /repos/{owner}/{repo}/issues/comments/{comment_id}"],
    getEvent: ["GET /repos/{owner}/{repo}/issues/events/{event_id}"],
    getLabel: ["GET /repos/{owner}/{repo}/labels/{name}"],
    getMilestone: ["GET /repos/{owner}/{repo}/milestones/{milestone_number}"],
    getParent: ["GET /repos/{owner}/{repo}/issues/{issue_number}/parent"],
    list: ["GET /issues"],
    listAssignees: ["GET /repos/{owner}/{repo}/assignees"],
    listComments: ["GET /repos/{owner}/{repo}/issues/{issue_number}/comments"],
    listCommentsForRepo: ["GET /repos/{owner}/{repo}/issues/comments"],
    listDependenciesBlockedBy: [
      "GET /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by"
    ],
    listDependenciesBlocking: [
      "GET /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocking"
    ],
    listEvents: ["GET /repos/{owner}/{repo}/issues/{issue_number}/events"],
    listEventsForRepo: ["GET /repos/{owner}/{repo}/issues/events"],
    listEventsForTimeline: [
      "GET /repos/{owner}/{repo}/issues/{issue_number}/timeline"
    ],
    listForAuthenticatedUser: ["GET /user/issues"],
    listForOrg: ["GET /orgs/{org}/issues"],
    listForRepo: ["GET /repos/{owner}/{repo}/issues"],
    listLabelsForMilestone: [
      "GET /repos/{owner}/{repo}/milestones/{milestone_number}/labels"
    ],
    listLabelsForRepo: ["GET /repos/{owner}/{repo}/labels"],
    listLabelsOnIssue: [
      "GET /repos/{owner}/{repo}/issues/{issue_number}/labels"
    ],
    listMilestones: ["GET /repos/{owner}/{repo}/milestones"],
    listSubIssues: [
      "GET /repos/{owner}/{repo}/issues/{issue_number}/sub_issues"
    ],
    lock: ["PUT /repos/{owner}/{repo}/issues/{issue_number}/lock"],
    removeAllLabels: [
      "DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels"
    ],
    removeAssignees: [
      "DELETE /repos/{owner}/{repo}/issues/{issue_number}/assignees"
    ],
    removeDependencyBlockedBy: [
      "DELETE /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by/{issue_id}"
    ],
    removeLabel: [
      "DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}"
    ],
    removeSubIssue: [
      "DELETE /repos/{owner}/{repo}/issues/{issue_number}/sub_issue"
    ],
    reprioritizeSubIssue: [
      "PATCH /repos/{owner}/{repo}/issues/{issue_number}/sub_issues/priority"
    ],
    setLabels: ["PUT /repos/{owner}/{repo}/issues/{issue_number}/labels"],
    unlock: ["DELETE /repos/{owner}/{repo}/issues/{issue_number}/lock"],
    update: ["PATCH /repos/{owner}/{repo}/issues/{issue_number}"],
    updateComment: ["PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}"],
    updateLabel: ["PATCH /repos/{owner}/{repo}/labels/{name}"],
    updateMilestone: [
      "PATCH /repos/{owner}/{repo}/milestones/{milestone_number}"
    ]
  },
  licenses: {
    get: ["GET /licenses/{license}"],
    getAllCommonlyUsed: ["GET /licenses"],
    getForRepo: ["GET /repos/{owner}/{repo}/license"]
  },
  markdown: {
    render: ["POST /markdown"],
    renderRaw: [
      "POST /markdown/raw",
      { headers: { "content-type": "text/plain; charset=utf-8" } }
    ]
  },
  meta: {
    get: ["GET /meta"],
    getAllVersions: ["GET /versions"],
    getOctocat: ["GET /octocat"],
    getZen: ["GET /zen"],
    root: ["GET /"]
  },
  migrations: {
    deleteArchiveForAuthenticatedUser: [
      "DELETE /user/migrations/{migration_id}/archive"
    ],
    deleteArchiveForOrg: [
      "DELETE /orgs/{org}/migrations/{migration_id}/archive"
    ],
    downloadArchiveForOrg: [
      "GET /orgs/{org}/migrations/{migration_id}/archive"
    ],
    getArchiveForAuthenticatedUser: [
      "GET /user/migrations/{migration_id}/archive"
    ],
    getStatusForAuthenticatedUser: ["GET /user/migrations/{migration_id}"],
    getStatusForOrg: ["GET /orgs/{org}/migrations/{migration_id}"],
    listForAuthenticatedUser: ["GET /user/migrations"],
    listForOrg: ["GET /orgs/{org}/migrations"],
    listReposForAuthenticatedUser: [
      "GET /user/migrations/{migration_id}/repositories"
    ],
    listReposForOrg: ["GET /orgs/{org}/migrations/{migration_id}/repositories"],
    listReposForUser: [
      "GET /user/migrations/{migration_id}/repositories",
      {},
      { renamed: ["migrations", "listReposForAuthenticatedUser"] }
    ],
    startForAuthenticatedUser: ["POST /user/migrations"],
    startForOrg: ["POST /orgs/{org}/migrations"],
    unlockRepoForAuthenticatedUser: [
      "DELETE /user/migrations/{migration_id}/repos/{repo_name}/lock"
    ],
    unlockRepoForOrg: [
      "DELETE /orgs/{org}/migrations/{migration_id}/repos/{repo_name}/lock"
    ]
  },
  oidc: {
    getOidcCustomSubTemplateForOrg: [
      "GET /orgs/{org}/actions/oidc/customization/sub"
    ],
    updateOidcCustomSubTemplateForOrg: [
      "PUT /orgs/{org}/actions/oidc/customization/sub"
    ]
  },
  orgs: {
    addSecurityManagerTeam: [
      "PUT /orgs/{org}/security-managers/teams/{team_slug}",
      {},
      {
        deprecated: "octokit.rest.orgs.addSecurityManagerTeam() is deprecated, see https://docs.github.com/rest/orgs/security-managers#add-a-security-manager-team"
      }
    ],
    assignTeamToOrgRole: [
      "PUT /orgs/{org}/organization-roles/teams/{team_slug}/{role_id}"
    ],
    assignUserToOrgRole: [
      "PUT /orgs/{org}/organization-roles/users/{username}/{role_id}"
    ],
    blockUser: ["PUT /orgs/{org}/blocks/{username}"],
    cancelInvitation: ["DELETE /orgs/{org}/invitations/{invitation_id}"],
    checkBlockedUser: ["GET /orgs/{org}/blocks/{username}"],
    checkMembershipForUser: ["GET /orgs/{org}/members/{username}"],
    checkPublicMembershipForUser: ["GET /orgs/{org}/public_members/{username}"],
    convertMemberToOutsideCollaborator: [
      "PUT /orgs/{org}/outside_collaborators/{username}"
    ],
    createArtifactStorageRecord: [
      "POST /orgs/{org}/artifacts/metadata/storage-record"
    ],
    createInvitation: ["POST /orgs/{org}/invitations"],
    createIssueType: ["POST /orgs/{org}/issue-types"],
    createWebhook: ["POST /orgs/{org}/hooks"],
    customPropertiesForOrgsCreateOrUpdateOrganizationValues: [
      "PATCH /organizations/{org}/org-properties/values"
    ],
    customPropertiesForOrgsGetOrganizationValues: [
      "GET /organizations/{org}/org-properties/values"
    ],
    customPropertiesForReposCreateOrUpdateOrganizationDefinition: [
      "PUT /orgs/{org}/properties/schema/{custom_property_name}"
    ],
    customPropertiesForReposCreateOrUpdateOrganizationDefinitions: [
      "PATCH /orgs/{org}/properties/schema"
    ],
    customPropertiesForReposCreateOrUpdateOrganizationValues: [
      "PATCH /orgs/{org}/properties/values"
    ],
    customPropertiesForReposDeleteOrganizationDefinition: [
      "DELETE /orgs/{org}/properties/schema/{custom_property_name}"
    ],
    customPropertiesForReposGetOrganizationDefinition: [
      "GET /orgs/{org}/properties/schema/{custom_property_name}"
    ],
    customPropertiesForReposGetOrganizationDefinitions: [
      "GET /orgs/{org}/properties/schema"
    ],
    customPropertiesForReposGetOrganizationValues: [
      "GET /orgs/{org}/properties/values"
    ],
    delete: ["DELETE /orgs/{org}"],
    deleteAttestationsBulk: ["POST /orgs/{org}/attestations/delete-request"],
    deleteAttestationsById: [
      "DELETE /orgs/{org}/attestations/{attestation_id}"
    ],
    deleteAttestationsBySubjectDigest: [
      "DELETE /orgs/{org}/attestations/digest/{subject_digest}"
    ],
    deleteIssueType: ["DELETE /orgs/{org}/issue-types/{issue_type_id}"],
    deleteWebhook: ["DELETE /orgs/{org}/hooks/{hook_id}"],
    disableSelectedRepositoryImmutableReleasesOrganization: [
      "DELETE /orgs/{org}/settings/immutable-releases/repositories/{repository_id}"
    ],
    enableSelectedRepositoryImmutableReleasesOrganization: [
      "PUT /orgs/{org}/settings/immutable-releases/repositories/{repository_id}"
    ],
    get: ["GET /orgs/{org}"],
    getImmutableReleasesSettings: [
      "GET /orgs/{org}/settings/immutable-releases"
    ],
    getImmutableReleasesSettingsRepositories: [
      "GET /orgs/{org}/settings/immutable-releases/repositories"
    ],
    getMembershipForAuthenticatedUser: ["GET /user/memberships/orgs/{org}"],
    getMembershipForUser: ["GET /orgs/{org}/memberships/{username}"],
    getOrgRole: ["GET /orgs/{org}/organization-roles/{role_id}"],
    getOrgRulesetHistory: ["GET /orgs/{org}/rulesets/{ruleset_id}/history"],
    getOrgRulesetVersion: [
      "GET /orgs/{org}/rulesets/{ruleset_id}/history/{version_id}"
    ],
    getWebhook: ["GET /orgs/{org}/hooks/{hook_id}"],
    getWebhookConfigForOrg: ["GET /orgs/{org}/hooks/{hook_id}/config"],
    getWebhookDelivery: [
      "GET /orgs/{org}/hooks/{hook_id}/deliveries/{delivery_id}"
    ],
    list: ["GET /organizations"],
    listAppInstallations: ["GET /orgs/{org}/installations"],
    listArtifactStorageRecords: [
      "GET /orgs/{org}/artifacts/{subject_digest}/metadata/storage-records"
    ],
    listAttestationRepositories: ["GET /orgs/{org}/attestations/repositories"],
    listAttestations: ["GET /orgs/{org}/attestations/{subject_digest}"],
    listAttestationsBulk: [
      "POST /orgs/{org}/attestations/bulk-list{?per_page,before,after}"
    ],
    listBlockedUsers: ["GET /orgs/{org}/blocks"],
    listFailedInvitations: ["GET /orgs/{org}/failed_invitations"],
    listForAuthenticatedUser: ["GET /user/orgs"],
    listForUser: ["GET /users/{username}/orgs"],
    listInvitationTeams: ["GET /orgs/{org}/invitations/{invitation_id}/teams"],
    listIssueTypes: ["GET /orgs/{org}/issue-types"],
    listMembers: ["GET /orgs/{org}/members"],
    listMembershipsForAuthenticatedUser: ["GET /user/memberships/orgs"],
    listOrgRoleTeams: ["GET /orgs/{org}/organization-roles/{role_id}/teams"],
    listOrgRoleUsers: ["GET /orgs/{org}/organization-roles/{role_id}/users"],
    listOrgRoles: ["GET /orgs/{org}/organization-roles"],
    listOrganizationFineGrainedPermissions: [
      "GET /orgs/{org}/organization-fine-grained-permissions"
    ],
    listOutsideCollaborators: ["GET /orgs/{org}/outside_collaborators"],
    listPatGrantRepositories: [
      "GET /orgs/{org}/personal-access-tokens/{pat_id}/repositories"
    ],
    listPatGrantRequestRepositories: [
      "GET /orgs/{org}/personal-access-token-requests/{pat_request_id}/repositories"
    ],
    listPatGrantRequests: ["GET /orgs/{org}/personal-access-token-requests"],
    listPatGrants: ["GET /orgs/{org}/personal-access-tokens"],
    listPendingInvitations: ["GET /orgs/{org}/invitations"],
    listPublicMembers: ["GET /orgs/{org}/public_members"],
    listSecurityManagerTeams: [
      "GET /orgs/{org}/security-managers",
      {},
      {
        deprecated: "octokit.rest.orgs.listSecurityManagerTeams() is deprecated, see https://docs.github.com/rest/orgs/security-managers#list-security-manager-teams"
      }
    ],
    listWebhookDeliveries: ["GET /orgs/{org}/hooks/{hook_id}/deliveries"],
    listWebhooks: ["GET /orgs/{org}/hooks"],
    pingWebhook: ["POST /orgs/{org}/hooks/{hook_id}/pings"],
    redeliverWebhookDelivery: [
      "POST /orgs/{org}/hooks/{hook_id}/deliveries/{delivery_id}/attempts"
    ],
    removeMember: ["DELETE /orgs/{org}/members/{username}"],
    removeMembershipForUser: ["DELETE /orgs/{org}/memberships/{username}"],
    removeOutsideCollaborator: [
      "DELETE /orgs/{org}/outside_collaborators/{username}"
    ],
    removePublicMembershipForAuthenticatedUser: [
      "DELETE /orgs/{org}/public_members/{username}"
    ],
    removeSecurityManagerTeam: [
      "DELETE /orgs/{org}/security-managers/teams/{team_slug}",
      {},
      {
        deprecated: "octokit.rest.orgs.removeSecurityManagerTeam() is deprecated, see https://docs.github.com/rest/orgs/security-managers#remove-a-security-manager-team"
      }
    ],
    reviewPatGrantRequest: [
      "POST /orgs/{org}/personal-access-token-requests/{pat_request_id}"
    ],
    reviewPatGrantRequestsInBulk: [
      "POST /orgs/{org}/personal-access-token-requests"
    ],
    revokeAllOrgRolesTeam: [
      "DELETE /orgs/{org}/organization-roles/teams/{team_slug}"
    ],
    revokeAllOrgRolesUser: [
      "DELETE /orgs/{org}/organization-roles/users/{username}"
    ],
    revokeOrgRoleTeam: [
      "DELETE /orgs/{org}/organization-roles/teams/{team_slug}/{role_id}"
    ],
    revokeOrgRoleUser: [
      "DELETE /orgs/{org}/organization-roles/users/{username}/{role_id}"
    ],
    setImmutableReleasesSettings: [
      "PUT /orgs/{org}/settings/immutable-releases"
    ],
    setImmutableReleasesSettingsRepositories: [
      "PUT /orgs/{org}/settings/immutable-releases/repositories"
    ],
    setMembershipForUser: ["PUT /orgs/{org}/memberships/{username}"],
    setPublicMembershipForAuthenticatedUser: [
      "PUT /orgs/{org}/public_members/{username}"
    ],
    unblockUser: ["DELETE /orgs/{org}/blocks/{username}"],
    update: ["PATCH /orgs/{org}"],
    updateIssueType: ["PUT /orgs/{org}/issue-types/{issue_type_id}"],
    updateMembershipForAuthenticatedUser: [
      "PATCH /user/memberships/orgs/{org}"
    ],
    updatePatAccess: ["POST /orgs/{org}/personal-access-tokens/{pat_id}"],
    updatePatAccesses: ["POST /orgs/{org}/personal-access-tokens"],
    updateWebhook: ["PATCH /orgs/{org}/hooks/{hook_id}"],
    updateWebhookConfigForOrg: ["PATCH /orgs/{org}/hooks/{hook_id}/config"]
  },
  packages: {
    deletePackageForAuthenticatedUser: [
      "DELETE /user/packages/{package_type}/{package_name}"
    ],
    deletePackageForOrg: [
      "DELETE /orgs/{org}/packages/{package_type}/{package_name}"
    ],
    deletePackageForUser: [
      "DELETE /users/{username}/packages/{package_type}/{package_name}"
    ],
    deletePackageVersionForAuthenticatedUser: [
      "DELETE /user/packages/{package_type}/{package_name}/versions/{package_version_id}"
    ],
    deletePackageVersionForOrg: [
      "DELETE /orgs/{org}/packages/{package_type}/{package_name}/versions/{package_version_id}"
    ],
    deletePackageVersionForUser: [
      "DELETE /users/{username}/packages/{package_type}/{package_name}/versions/{package_version_id}"
    ],
    getAllPackageVersionsForAPackageOwnedByAnOrg: [
      "GET /orgs/{org}/packages/{package_type}/{package_name}/versions",
      {},
      { renamed: ["packages", "getAllPackageVersionsForPackageOwnedByOrg"] }
    ],
    getAllPackageVersionsForAPackageOwnedByTheAuthenticatedUser: [
      "GET /user/packages/{package_type}/{package_name}/versions",
      {},
      {
        renamed: [
          "packages",
          "getAllPackageVersionsForPackageOwnedByAuthenticatedUser"
        ]
      }
    ],
    getAllPackageVersionsForPackageOwnedByAuthenticatedUser: [
      "GET /user/packages/{package_type}/{package_name}/versions"
    ],
    getAllPackageVersionsForPackageOwnedByOrg: [
      "GET /orgs/{org}/packages/{package_type}/{package_name}/versions"
    ],
    getAllPackageVersionsForPackageOwnedByUser: [
      "GET /users/{username}/packages/{package_type}/{package_name}/versions"
    ],
    getPackageForAuthenticatedUser: [
      "GET /user/packages/{package_type}/{package_name}"
    ],
    getPackageForOrganization: [
      "GET /orgs/{org}/packages/{package_type}/{package_name}"
    ],
    getPackageForUser: [
      "GET /users/{username}/packages/{package_type}/{package_name}"
    ],
    getPackageVersionForAuthenticatedUser: [
      "GET /user/packages/{package_type}/{package_name}/versions/{package_version_id}"
    ],
    getPackageVersionForOrganization: [
      "GET /orgs/{org}/packages/{package_type}/{package_name}/versions/{package_version_id}"
    ],
    getPackageVersionForUser: [
      "GET /users/{username}/packages/{package_type}/{package_name}/versions/{package_version_id}"
    ],
    listDockerMigrationConflictingPackagesForAuthenticatedUser: [
      "GET /user/docker/conflicts"
    ],
    listDockerMigrationConflictingPackagesForOrganization: [
      "GET /orgs/{org}/docker/conflicts"
    ],
    listDockerMigrationConflictingPackagesForUser: [
      "GET /users/{username}/docker/conflicts"
    ],
    listPackagesForAuthenticatedUser: ["GET /user/packages"],
    listPackagesForOrganization: ["GET /orgs/{org}/packages"],
    listPackagesForUser: ["GET /users/{username}/packages"],
    restorePackageForAuthenticatedUser: [
      "POST /user/packages/{package_type}/{package_name}/restore{?token}"
    ],
    restorePackageForOrg: [
      "POST /orgs/{org}/packages/{package_type}/{package_name}/restore{?token}"
    ],
    restorePackageForUser: [
      "POST /users/{username}/packages/{package_type}/{package_name}/restore{?token}"
    ],
    restorePackageVersionForAuthenticatedUser: [
      "POST /user/packages/{package_type}/{package_name}/versions/{package_version_id}/restore"
    ],
    restorePackageVersionForOrg: [
      "POST /orgs/{org}/packages/{package_type}/{package_name}/versions/{package_version_id}/restore"
    ],
    restorePackageVersionForUser: [
      "POST /users/{username}/packages/{package_type}/{package_name}/versions/{package_version_id}/restore"
    ]
  },
  privateRegistries: {
    createOrgPrivateRegistry: ["POST /orgs/{org}/private-registries"],
    deleteOrgPrivateRegistry: [
      "DELETE /orgs/{org}/private-registries/{secret_name}"
    ],
    getOrgPrivateRegistry: ["GET /orgs/{org}/private-registries/{secret_name}"],
    getOrgPublicKey: ["GET /orgs/{org}/private-registries/public-key"],
    listOrgPrivateRegistries: ["GET /orgs/{org}/private-registries"],
    updateOrgPrivateRegistry: [
      "PATCH /orgs/{org}/private-registries/{secret_name}"
    ]
  },
  projects: {
    addItemForOrg: ["POST /orgs/{org}/projectsV2/{project_number}/items"],
    addItemForUser: [
      "POST /users/{username}/projectsV2/{project_number}/items"
    ],
    deleteItemForOrg: [
      "DELETE /orgs/{org}/projectsV2/{project_number}/items/{item_id}"
    ],
    deleteItemForUser: [
      "DELETE /users/{username}/projectsV2/{project_number}/items/{item_id}"
    ],
    getFieldForOrg: [
      "GET /orgs/{org}/projectsV2/{project_number}/fields/{field_id}"
    ],
    getFieldForUser: [
      "GET /users/{username}/projectsV2/{project_number}/fields/{field_id}"
    ],
    getForOrg: ["GET /orgs/{org}/projectsV2/{project_number}"],
    getForUser: ["GET /users/{username}/projectsV2/{project_number}"],
    getOrgItem: ["GET /orgs/{org}/projectsV2/{project_number}/items/{item_id}"],
    getUserItem: [
      "GET /users/{username}/projectsV2/{project_number}/items/{item_id}"
    ],
    listFieldsForOrg: ["GET /orgs/{org}/projectsV2/{project_number}/fields"],
    listFieldsForUser: [
      "GET /users/{username}/projectsV2/{project_number}/fields"
    ],
    listForOrg: ["GET /orgs/{org}/projectsV2"],
    listForUser: ["GET /users/{username}/projectsV2"],
    listItemsForOrg: ["GET /orgs/{org}/projectsV2/{project_number}/items"],
    listItemsForUser: [
      "GET /users/{username}/projectsV2/{project_number}/items"
    ],
    updateItemForOrg: [
      "PATCH /orgs/{org}/projectsV2/{project_number}/items/{item_id}"
    ],
    updateItemForUser: [
      "PATCH /users/{username}/projectsV2/{project_number}/items/{item_id}"
    ]
  },
  pulls: {
    checkIfMerged: ["GET /repos/{owner}/{repo}/pulls/{pull_number}/merge"],
    create: ["POST /repos/{owner}/{repo}/pulls"],
    createReplyForReviewComment: [
      "POST /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies"
    ],
    createReview: ["POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews"],
    createReviewComment: [
      "POST /repos/{owner}/{repo}/pulls/{pull_number}/comments"
    ],
    deletePendingReview: [
      "DELETE /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}"
    ],
    deleteReviewComment: [
      "DELETE /repos/{owner}/{repo}/pulls/comments/{comment_id}"
    ],
    dismissReview: [
      "PUT /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/dismissals"
    ],
    get: ["GET /repos/{owner}/{repo}/pulls/{pull_number}"],
    getReview: [
      "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}"
    ],
    getReviewComment: ["GET /repos/{owner}/{repo}/pulls/comments/{comment_id}"],
    list: ["GET /repos/{owner}/{repo}/pulls"],
    listCommentsForReview: [
      "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/comments"
    ],
    listCommits: ["GET /repos/{owner}/{repo}/pulls/{pull_number}/commits"],
    listFiles: ["GET /repos/{owner}/{repo}/pulls/{pull_number}/files"],
    listRequestedReviewers: [
      "GET /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers"
    ],
    listReviewComments: [
      "GET /repos/{owner}/{repo}/pulls/{pull_number}/comments"
    ],
    listReviewCommentsForRepo: ["GET /repos/{owner}/{repo}/pulls/comments"],
    listReviews: ["GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews"],
    merge: ["PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge"],
    removeRequestedReviewers: [
      "DELETE /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers"
    ],
    requestReviewers: [
      "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers"
    ],
    submitReview: [
      "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/events"
    ],
    update: ["PATCH /repos/{owner}/{repo}/pulls/{pull_number}"],
    updateBranch: [
      "PUT /repos/{owner}/{repo}/pulls/{pull_number}/update-branch"
    ],
    updateReview: [
      "PUT /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}"
    ],
    updateReviewComment: [
      "PATCH /repos/{owner}/{repo}/pulls/comments/{comment_id}"
    ]
  },
  rateLimit: { get: ["GET /rate_limit"] },
  reactions: {
    createForCommitComment: [
      "POST /repos/{owner}/{repo}/comments/{comment_id}/reactions"
    ],
    createForIssue: [
      "POST /repos/{owner}/{repo}/issues/{issue_number}/reactions"
    ],
    createForIssueComment: [
      "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions"
    ],
    createForPullRequestReviewComment: [
      "POST /repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions"
    ],
    createForRelease: [
      "POST /repos/{owner}/{repo}/releases/{release_id}/reactions"
    ],
    createForTeamDiscussionCommentInOrg: [
      "POST /orgs/{org}/teams/{team_slug}/discussions/{discussion_number}/comments/{comment_number}/reactions"
    ],
    createForTeamDiscussionInOrg: [
      "POST /orgs/{org}/teams/{team_slug}/discussions/{discussion_number}/reactions"
    ],
    deleteForCommitComment: [
      "DELETE /repos/{owner}/{repo}/comments/{comment_id}/reactions/{reaction_id}"
    ],
    deleteForIssue: [
      "DELETE /repos/{owner}/{repo}/issues/{issue_number}/reactions/{reaction_id}"
    ],
    deleteForIssueComment: [
      "DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions/{reaction_id}"
    ],
    deleteForPullRequestComment: [
      "DELETE /repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions/{reaction_id}"
    ],
    deleteForRelease: [
      "DELETE /repos/{owner}/{repo}/releases/{release_id}/reactions/{reaction_id}"
    ],
    deleteForTeamDiscussion: [
      "DELETE /orgs/{org}/teams/{team_slug}/discussions/{discussion_number}/reactions/{reaction_id}"
    ],
    deleteForTeamDiscussionComment: [
      "DELETE /orgs/{org}/teams/{team_slug}/discussions/{discussion_number}/comments/{comment_number}/reactions/{reaction_id}"
    ],
    listForCommitComment: [
      "GET /repos/{owner}/{repo}/comments/{comment_id}/reactions"
    ],
    listForIssue: ["GET /repos/{owner}/{repo}/issues/{issue_number}/reactions"],
    listForIssueComment: [
      "GET /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions"
    ],
    listForPullRequestReviewComment: [
      "GET /repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions"
    ],
    listForRelease: [
      "GET /repos/{owner}/{repo}/releases/{release_id}/reactions"
    ],
    listForTeamDiscussionCommentInOrg: [
      "GET /orgs/{org}/teams/{team_slug}/discussions/{discussion_number}/comments/{comment_number}/reactions"
    ],
    listForTeamDiscussionInOrg: [
      "GET /orgs/{org}/teams/{team_slug}/discussions/{discussion_number}/reactions"
    ]
  },
  repos: {
    acceptInvitation: [
      "PATCH /user/repository_invitations/{invitation_id}",
      {},
      { renamed: ["repos", "acceptInvitationForAuthenticatedUser"] }
    ],
    acceptInvitationForAuthenticatedUser: [
      "PATCH /user/repository_invitations/{invitation_id}"
    ],
    addAppAccessRestrictions: [
      "POST /repos/{owner}/{repo}/branches/{branch}/protection/restrictions/apps",
      {},
      { mapToData: "apps" }
    ],
    addCollaborator: ["PUT /repos/{owner}/{repo}/collaborators/{username}"],
    addStatusCheckContexts: [
      "POST /repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks/contexts",
      {},
      { mapToData: "contexts" }
    ],
    addTeamAccessRestrictions: [
      "POST /repos/{owner}/{repo}/branches/{branch}/protection/restrictions/teams",
      {},
      { mapToData: "teams" }
    ],
    addUserAccessRestrictions: [
      "POST /repos/{owner}/{repo}/branches/{branch}/protection/restrictions/users",
      {},
      { mapToData: "users" }
    ],
    cancelPagesDeployment: [
      "POST /repos/{owner}/{repo}/pages/deployments/{pages_deployment_id}/cancel"
    ],
    checkAutomatedSecurityFixes: [
      "GET /repos/{owner}/{repo}/automated-security-fixes"
    ],
    checkCollaborator: ["GET /repos/{owner}/{repo}/collaborators/{username}"],
    checkImmutableReleases: ["GET /repos/{owner}/{repo}/immutable-releases"],
    checkPrivateVulnerabilityReporting: [
      "GET /repos/{owner}/{repo}/private-vulnerability-reporting"
    ],
    checkVulnerabilityAlerts: [
      "GET /repos/{owner}/{repo}/vulnerability-alerts"
    ],
    codeownersErrors: ["GET /repos/{owner}/{repo}/codeowners/errors"],
    compareCommits: ["GET /repos/{owner}/{repo}/compare/{base}...{head}"],
    compareCommitsWithBasehead: [
      "GET /repos/{owner}/{repo}/compare/{basehead}"
    ],
    createAttestation: ["POST /repos/{owner}/{repo}/attestations"],
    createAutolink: ["POST /repos/{owner}/{repo}/autolinks"],
    createCommitComment: [
      "POST /repos/{owner}/{repo}/commits/{commit_sha}/comments"
    ],
    createCommitSignatureProtection: [
      "POST /repos/{owner}/{repo}/branches/{branch}/protection/required_signatures"
    ],
    createCommitStatus: ["POST /repos/{owner}/{repo}/statuses/{sha}"],
    createDeployKey: ["POST /repos/{owner}/{repo}/keys"],
    createDeployment: ["POST /repos/{owner}/{repo}/deployments"],
    createDeploymentBranchPolicy: [
      "POST /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies"
    ],
    createDeploymentProtectionRule: [
      "POST /repos/{owner}/{repo}/environments/{environment_name}/deployment_protection_rules"
    ],
    createDeploymentStatus: [
      "POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses"
    ],
    createDispatchEvent: ["POST /repos/{owner}/{repo}/dispatches"],
    createForAuthenticatedUser: ["POST /user/repos"],
    createFork: ["POST /repos/{owner}/{repo}/forks"],
    createInOrg: ["POST /orgs/{org}/repos"],
    createOrUpdateEnvironment: [
      "PUT /repos/{owner}/{repo}/environments/{environment_name}"
    ],
    createOrUpdateFileContents: ["PUT /repos/{owner}/{repo}/contents/{path}"],
    createOrgRuleset: ["POST /orgs/{org}/rulesets"],
    createPagesDeployment: ["POST /repos/{owner}/{repo}/pages/deployments"],
    createPagesSite: ["POST /repos/{owner}/{repo}/pages"],
    createRelease: ["POST /repos/{owner}/{repo}/releases"],
    createRepoRuleset: ["POST /repos/{owner}/{repo}/rulesets"],
    createUsingTemplate: [
      "POST /repos/{template_owner}/{template_repo}/generate"
    ],
    createWebhook: ["POST /repos/{owner}/{repo}/hooks"],
    customPropertiesForReposCreateOrUpdateRepositoryValues: [
      "PATCH /repos/{owner}/{repo}/properties/values"
    ],
    customPropertiesForReposGetRepositoryValues: [
      "GET /repos/{owner}/{repo}/properties/values"
    ],
    declineInvitation: [
      "DELETE /user/repository_invitations/{invitation_id}",
      {},
      { renamed: ["repos", "declineInvitationForAuthenticatedUser"] }
    ],
    declineInvitationForAuthenticatedUser: [
      "DELETE /user/repository_invitations/{invitation_id}"
    ],
    delete: ["DELETE /repos/{owner}/{repo}"],
    deleteAccessRestrictions: [
      "DELETE /repos/{owner}/{repo}/branches/{branch}/protection/restrictions"
    ],
    deleteAdminBranchProtection: [
      "DELETE /repos/{owner}/{repo}/branches/{branch}/protection/enforce_admins"
    ],
    deleteAnEnvironment: [
      "DELETE /repos/{owner}/{repo}/environments/{environment_name}"
    ],
    deleteAutolink: ["DELETE /repos/{owner}/{repo}/autolinks/{autolink_id}"],
    deleteBranchProtection: [
      "DELETE /repos/{owner}/{repo}/branches/{branch}/protection"
    ],
    deleteCommitComment: ["DELETE /repos/{owner}/{repo}/comments/{comment_id}"],
    deleteCommitSignatureProtection: [
      "DELETE /repos/{owner}/{repo}/branches/{branch}/protection/required_signatures"
    ],
    deleteDeployKey: ["DELETE /repos/{owner}/{repo}/keys/{key_id}"],
    deleteDeployment: [
      "DELETE /repos/{owner}/{repo}/deployments/{deployment_id}"
    ],
    deleteDeploymentBranchPolicy: [
      "DELETE /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies/{branch_policy_id}"
    ],
    deleteFile: ["DELETE /repos/{owner}/{repo}/contents/{path}"],
    deleteInvitation: [
      "DELETE /repos/{owner}/{repo}/invitations/{invitation_id}"
    ],
    deleteOrgRuleset: ["DELETE /orgs/{org}/rulesets/{ruleset_id}"],
    deletePagesSite: ["DELETE /repos/{owner}/{repo}/pages"],
    deletePullRequestReviewProtection: [
      "DELETE /repos/{owner}/{repo}/branches/{branch}/protection/required_pull_request_reviews"
    ],
    deleteRelease: ["DELETE /repos/{owner}/{repo}/releases/{release_id}"],
    deleteReleaseAsset: [
      "DELETE /repos/{owner}/{repo}/releases/assets/{asset_id}"
    ],
    deleteRepoRuleset: ["DELETE /repos/{owner}/{repo}/rulesets/{ruleset_id}"],
    deleteWebhook: ["DELETE /repos/{owner}/{repo}/hooks/{hook_id}"],
    disableAutomatedSecurityFixes: [
      "DELETE /repos/{owner}/{repo}/automated-security-fixes"
    ],
    disableDeploymentProtectionRule: [
      "DELETE /repos/{owner}/{repo}/environments/{environment_name}/deployment_protection_rules/{protection_rule_id}"
    ],
    disableImmutableReleases: [
      "DELETE /repos/{owner}/{repo}/immutable-releases"
    ],
    disablePrivateVulnerabilityReporting: [
      "DELETE /repos/{owner}/{repo}/private-vulnerability-reporting"
    ],
    disableVulnerabilityAlerts: [
      "DELETE /repos/{owner}/{repo}/vulnerability-alerts"
    ],
    downloadArchive: [
      "GET /repos/{owner}/{repo}/zipball/{ref}",
      {},
      { renamed: ["repos", "downloadZipballArchive"] }
    ],
    downloadTarballArchive: ["GET /repos/{owner}/{repo}/tarball/{ref}"],
    downloadZipballArchive: ["GET /repos/{owner}/{repo}/zipball/{ref}"],
    enableAutomatedSecurityFixes: [
      "PUT /repos/{owner}/{repo}/automated-security-fixes"
    ],
    enableImmutableReleases: ["PUT /repos/{owner}/{repo}/immutable-releases"],
    enablePrivateVulnerabilityReporting: [
      "PUT /repos/{owner}/{repo}/private-vulnerability-reporting"
    ],
    enableVulnerabilityAlerts: [
      "PUT /repos/{owner}/{repo}/vulnerability-alerts"
    ],
    generateReleaseNotes: [
      "POST /repos/{owner}/{repo}/releases/generate-notes"
    ],
    get: ["GET /repos/{owner}/{repo}"],
    getAccessRestrictions: [
      "GET /repos/{owner}/{repo}/branches/{branch}/protection/restrictions"
    ],
    getAdminBranchProtection: [
      "GET /repos/{owner}/{repo}/branches/{branch}/protection/enforce_admins"
    ],
    getAllDeploymentProtectionRules: [
      "GET /repos/{owner}/{repo}/environments/{environment_name}/deployment_protection_rules"
    ],
    getAllEnvironments: ["GET /repos/{owner}/{repo}/environments"],
    getAllStatusCheckContexts: [
      "GET /repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks/contexts"
    ],
    getAllTopics: ["GET /repos/{owner}/{repo}/topics"],
    getAppsWithAccessToProtectedBranch: [
      "GET /repos/{owner}/{repo}/branches/{branch}/protection/restrictions/apps"
    ],
    getAutolink: ["GET /repos/{owner}/{repo}/autolinks/{autolink_id}"],
    getBranch: ["GET /repos/{owner}/{repo}/branches/{branch}"],
    getBranchProtection: [
      "GET /repos/{owner}/{repo}/branches/{branch}/protection"
    ],
    getBranchRules: ["GET /repos/{owner}/{repo}/rules/branches/{branch}"],
    getClones: ["GET /repos/{owner}/{repo}/traffic/clones"],
    getCodeFrequencyStats: ["GET /repos/{owner}/{repo}/stats/code_frequency"],
    getCollaboratorPermissionLevel: [
      "GET /repos/{owner}/{repo}/collaborators/{username}/permission"
    ],
    getCombinedStatusForRef: ["GET /repos/{owner}/{repo}/commits/{ref}/status"],
    getCommit: ["GET /repos/{owner}/{repo}/commits/{ref}"],
    getCommitActivityStats: ["GET /repos/{owner}/{repo}/stats/commit_activity"],
    getCommitComment: ["GET /repos/{owner}/{repo}/comments/{comment_id}"],
    getCommitSignatureProtection: [
      "GET /repos/{owner}/{repo}/branches/{branch}/protection/required_signatures"
    ],
    getCommunityProfileMetrics: ["GET /repos/{owner}/{repo}/community/profile"],
    getContent: ["GET /repos/{owner}/{repo}/contents/{path}"],
    getContributorsStats: ["GET /repos/{owner}/{repo}/stats/contributors"],
    getCustomDeploymentProtectionRule: [
      "GET /repos/{owner}/{repo}/environments/{environment_name}/deployment_protection_rules/{protection_rule_id}"
    ],
    getDeployKey: ["GET /repos/{owner}/{repo}/keys/{key_id}"],
    getDeployment: ["GET /repos/{owner}/{repo}/deployments/{deployment_id}"],
    getDeploymentBranchPolicy: [
      "GET /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies/{branch_policy_id}"
    ],
    getDeploymentStatus: [
      "GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses/{status_id}"
    ],
    getEnvironment: [
      "GET /repos/{owner}/{repo}/environments/{environment_name}"
    ],
    getLatestPagesBuild: ["GET /repos/{owner}/{repo}/pages/builds/latest"],
    getLatestRelease: ["GET /repos/{owner}/{repo}/releases/latest"],
    getOrgRuleSuite: ["GET /orgs/{org}/rulesets/rule-suites/{rule_suite_id}"],
    getOrgRuleSuites: ["GET /orgs/{org}/rulesets/rule-suites"],
    getOrgRuleset: ["GET /orgs/{org}/rulesets/{ruleset_id}"],
    getOrgRulesets: ["GET /orgs/{org}/rulesets"],
    getPages: ["GET /repos/{owner}/{repo}/pages"],
    getPagesBuild: ["GET /repos/{owner}/{repo}/pages/builds/{build_id}"],
    getPagesDeployment: [
      "GET /repos/{owner}/{repo}/pages/deployments/{pages_deployment_id}"
    ],
    getPagesHealthCheck: ["GET /repos/{owner}/{repo}/pages/health"],
    getParticipationStats: ["GET /repos/{owner}/{repo}/stats/participation"],
    getPullRequestReviewProtection: [
      "GET /repos/{owner}/{repo}/branches/{branch}/protection/required_pull_request_reviews"
    ],
    getPunchCardStats: ["GET /repos/{owner}/{repo}/stats/punch_card"],
    getReadme: ["GET /repos/{owner}/{repo}/readme"],
    getReadmeInDirectory: ["GET /repos/{owner}/{repo}/readme/{dir}"],
    getRelease: ["GET /repos/{owner}/{repo}/releases/{release_id}"],
    getReleaseAsset: ["GET /repos/{owner}/{repo}/releases/assets/{asset_id}"],
    getReleaseByTag: ["GET /repos/{owner}/{repo}/releases/tags/{tag}"],
    getRepoRuleSuite: [
      "GET /repos/{owner}/{repo}/rulesets/rule-suites/{rule_suite_id}"
    ],
    getRepoRuleSuites: ["GET /repos/{owner}/{repo}/rulesets/rule-suites"],
    getRepoRuleset: ["GET /repos/{owner}/{repo}/rulesets/{ruleset_id}"],
    getRepoRulesetHistory: [
      "GET /repos/{owner}/{repo}/rulesets/{ruleset_id}/history"
    ],
    getRepoRulesetVersion: [
      "GET /repos/{owner}/{repo}/rulesets/{ruleset_id}/history/{version_id}"
    ],
    getRepoRulesets: ["GET /repos/{owner}/{repo}/rulesets"],
    getStatusChecksProtection: [
      "GET /repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks"
    ],
    getTeamsWithAccessToProtectedBranch: [
      "GET /repos/{owner}/{repo}/branches/{branch}/protection/restrictions/teams"
    ],
    getTopPaths: ["GET /repos/{owner}/{repo}/traffic/popular/paths"],
    getTopReferrers: ["GET /repos/{owner}/{repo}/traffic/popular/referrers"],
    getUsersWithAccessToProtectedBranch: [
      "GET /repos/{owner}/{repo}/branches/{branch}/protection/restrictions/users"
    ],
    getViews: ["GET /repos/{owner}/{repo}/traffic/views"],
    getWebhook: ["GET /repos/{owner}/{repo}/hooks/{hook_id}"],
    getWebhookConfigForRepo: [
      "GET /repos/{owner}/{repo}/hooks/{hook_id}/config"
    ],
    getWebhookDelivery: [
      "GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}"
    ],
    listActivities: ["GET /repos/{owner}/{repo}/activity"],
    listAttestations: [
      "GET /repos/{owner}/{repo}/attestations/{subject_digest}"
    ],
    listAutolinks: ["GET /repos/{owner}/{repo}/autolinks"],
    listBranches: ["GET /repos/{owner}/{repo}/branches"],
    listBranchesForHeadCommit: [
      "GET /repos/{owner}/{repo}/commits/{commit_sha}/branches-where-head"
    ],
    listCollaborators: ["GET /repos/{owner}/{repo}/collaborators"],
    listCommentsForCommit: [
      "GET /repos/{owner}/{repo}/commits/{commit_sha}/comments"
    ],
    listCommitCommentsForRepo: ["GET /repos/{owner}/{repo}/comments"],
    listCommitStatusesForRef: [
      "GET /repos/{owner}/{repo}/commits/{ref}/statuses"
    ],
    listCommits: ["GET /repos/{owner}/{repo}/commits"],
    listContributors: ["GET /repos/{owner}/{repo}/contributors"],
    listCustomDeploymentRuleIntegrations: [
      "GET /repos/{owner}/{repo}/environments/{environment_name}/deployment_protection_rules/apps"
    ],
    listDeployKeys: ["GET /repos/{owner}/{repo}/keys"],
    listDeploymentBranchPolicies: [
      "GET /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies"
    ],
    listDeploymentStatuses: [
      "GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses"
    ],
    listDeployments: ["GET /repos/{owner}/{repo}/deployments"],
    listForAuthenticatedUser: ["GET /user/repos"],
    listForOrg: ["GET /orgs/{org}/repos"],
    listForUser: ["GET /users/{username}/repos"],
    listForks: ["GET /repos/{owner}/{repo}/forks"],
    listInvitations: ["GET /repos/{owner}/{repo}/invitations"],
    listInvitationsForAuthenticatedUser: ["GET /user/repository_invitations"],
    listLanguages: ["GET /repos/{owner}/{repo}/languages"],
    listPagesBuilds: ["GET /repos/{owner}/{repo}/pages/builds"],
    listPublic: ["GET /repositories"],
    listPullRequestsAssociatedWithCommit: [
      "GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls"
    ],
    listReleaseAssets: [
      "GET /repos/{owner}/{repo}/releases/{release_id}/assets"
    ],
    listReleases: ["GET /repos/{owner}/{repo}/releases"],
    listTags: ["GET /repos/{owner}/{repo}/tags"],
    listTeams: ["GET /repos/{owner}/{repo}/teams"],
    listWebhookDeliveries: [
      "GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries"
    ],
    listWebhooks: ["GET /repos/{owner}/{repo}/hooks"],
    merge: ["POST /repos/{owner}/{repo}/merges"],
    mergeUpstream: ["POST /repos/{owner}/{repo}/merge-upstream"],
    pingWebhook: ["POST /repos/{owner}/{repo}/hooks/{hook_id}/pings"],
    redeliverWebhookDelivery: [
      "POST /repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}/attempts"
    ],
    removeAppAccessRestrictions: [
      "DELETE /repos/{owner}/{repo}/branches/{branch}/protection/restrictions/apps",
      {},
      { mapToData: "apps" }
    ],
    removeCollaborator: [
      "DELETE /repos/{owner}/{repo}/collaborators/{username}"
    ],
    removeStatusCheckContexts: [
      "DELETE /repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks/contexts",
      {},
      { mapToData: "contexts" }
    ],
    removeStatusCheckProtection: [
      "DELETE /repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks"
    ],
    removeTeamAccessRestrictions: [
      "DELETE /repos/{owner}/{repo}/branches/{branch}/protection/restrictions/teams",
      {},
      { mapToData: "teams" }
    ],
    removeUserAccessRestrictions: [
      "DELETE /repos/{owner}/{repo}/branches/{branch}/protection/restrictions/users",
      {},
      { mapToData: "users" }
    ],
    renameBranch: ["POST /repos/{owner}/{repo}/branches/{branch}/rename"],
    replaceAllTopics: ["PUT /repos/{owner}/{repo}/topics"],
    requestPagesBuild: ["POST /repos/{owner}/{repo}/pages/builds"],
    setAdminBranchProtection: [
      "POST /repos/{owner}/{repo}/branches/{branch}/protection/enforce_admins"
    ],
    setAppAccessRestrictions: [
      "PUT /repos/{owner}/{repo}/branches/{branch}/protection/restrictions/apps",
      {},
      { mapToData: "apps" }
    ],
    setStatusCheckContexts: [
      "PUT /repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks/contexts",
      {},
      { mapToData: "contexts" }
    ],
    setTeamAccessRestrictions: [
      "PUT /repos/{owner}/{repo}/branches/{branch}/protection/restrictions/teams",
      {},
      { mapToData: "teams" }
    ],
    setUserAccessRestrictions: [
      "PUT /repos/{owner}/{repo}/branches/{branch}/protection/restrictions/users",
      {},
      { mapToData: "users" }
    ],
    testPushWebhook: ["POST /repos/{owner}/{repo}/hooks/{hook_id}/tests"],
    transfer: ["POST /repos/{owner}/{repo}/transfer"],
    update: ["PATCH /repos/{owner}/{repo}"],
    updateBranchProtection: [
      "PUT /repos/{owner}/{repo}/branches/{branch}/protection"
    ],
    updateCommitComment: ["PATCH /repos/{owner}/{repo}/comments/{comment_id}"],
    updateDeploymentBranchPolicy: [
      "PUT /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies/{branch_policy_id}"
    ],
    updateInformationAboutPagesSite: ["PUT /repos/{owner}/{repo}/pages"],
    updateInvitation: [
      "PATCH /repos/{owner}/{repo}/invitations/{invitation_id}"
    ],
    updateOrgRuleset: ["PUT /orgs/{org}/rulesets/{ruleset_id}"],
    updatePullRequestReviewProtection: [
      "PATCH /repos/{owner}/{repo}/branches/{branch}/protection/required_pull_request_reviews"
    ],
    updateRelease: ["PATCH /repos/{owner}/{repo}/releases/{release_id}"],
    updateReleaseAsset: [
      "PATCH /repos/{owner}/{repo}/releases/assets/{asset_id}"
    ],
    updateRepoRuleset: ["PUT /repos/{owner}/{repo}/rulesets/{ruleset_id}"],
    updateStatusCheckPotection: [
      "PATCH /repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks",
      {},
      { renamed: ["repos", "updateStatusCheckProtection"] }
    ],
    updateStatusCheckProtection: [
      "PATCH /repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks"
    ],
    updateWebhook: ["PATCH /repos/{owner}/{repo}/hooks/{hook_id}"],
    updateWebhookConfigForRepo: [
      "PATCH /repos/{owner}/{repo}/hooks/{hook_id}/config"
    ],
    uploadReleaseAsset: [
      "POST /repos/{owner}/{repo}/releases/{release_id}/assets{?name,label}",
      { baseUrl: "https://uploads.github.com" }
    ]
  },
  search: {
    code: ["GET /search/code"],
    commits: ["GET /search/commits"],
    issuesAndPullRequests: ["GET /search/issues"],
    labels: ["GET /search/labels"],
    repos: ["GET /search/repositories"],
    topics: ["GET /search/topics"],
    users: ["GET /search/users"]
  },
  secretScanning: {
    createPushProtectionBypass: [
      "POST /repos/{owner}/{repo}/secret-scanning/push-protection-bypasses"
    ],
    getAlert: [
      "GET /repos/{owner}/{repo}/secret-scanning/alerts/{alert_number}"
    ],
    getScanHistory: ["GET /repos/{owner}/{repo}/secret-scanning/scan-history"],
    listAlertsForOrg: ["GET /orgs/{org}/secret-scanning/alerts"],
    listAlertsForRepo: ["GET /repos/{owner}/{repo}/secret-scanning/alerts"],
    listLocationsForAlert: [
      "GET /repos/{owner}/{repo}/secret-scanning/alerts/{alert_number}/locations"
    ],
    listOrgPatternConfigs: [
      "GET /orgs/{org}/secret-scanning/pattern-configurations"
    ],
    updateAlert: [
      "PATCH /repos/{owner}/{repo}/secret-scanning/alerts/{alert_number}"
    ],
    updateOrgPatternConfigs: [
      "PATCH /orgs/{org}/secret-scanning/pattern-configurations"
    ]
  },
  securityAdvisories: {
    createFork: [
      "POST /repos/{owner}/{repo}/security-advisories/{ghsa_id}/forks"
    ],
    createPrivateVulnerabilityReport: [
      "POST /repos/{owner}/{repo}/security-advisories/reports"
    ],
    createRepositoryAdvisory: [
      "POST /repos/{owner}/{repo}/security-advisories"
    ],
    createRepositoryAdvisoryCveRequest: [
      "POST /repos/{owner}/{repo}/security-advisories/{ghsa_id}/cve"
    ],
    getGlobalAdvisory: ["GET /advisories/{ghsa_id}"],
    getRepositoryAdvisory: [
      "GET /repos/{owner}/{repo}/security-advisories/{ghsa_id}"
    ],
    listGlobalAdvisories: ["GET /advisories"],
    listOrgRepositoryAdvisories: ["GET /orgs/{org}/security-advisories"],
    listRepositoryAdvisories: ["GET /repos/{owner}/{repo}/security-advisories"],
    updateRepositoryAdvisory: [
      "PATCH /repos/{owner}/{repo}/security-advisories/{ghsa_id}"
    ]
  },
  teams: {
    addOrUpdateMembershipForUserInOrg: [
      "PUT /orgs/{org}/teams/{team_slug}/memberships/{username}"
    ],
    addOrUpdateRepoPermissionsInOrg: [
      "PUT /orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}"
    ],
    checkPermissionsForRepoInOrg: [
      "GET /orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}"
    ],
    create: ["POST /orgs/{org}/teams"],
    createDiscussionCommentInOrg: [
      "POST /orgs/{org}/teams/{team_slug}/discussions/{discussion_number}/comments"
    ],
    createDiscussionInOrg: ["POST /orgs/{org}/teams/{team_slug}/discussions"],
    deleteDiscussionCommentInOrg: [
      "DELETE /orgs/{org}/teams/{team_slug}/discussions/{discussion_number}/comments/{comment_number}"
    ],
    deleteDiscussionInOrg: [
      "DELETE /orgs/{org}/teams/{team_slug}/discussions/{discussion_number}"
    ],
    deleteInOrg: ["DELETE /orgs/{org}/teams/{team_slug}"],
    getByName: ["GET /orgs/{org}/teams/{team_slug}"],
    getDiscussionCommentInOrg: [
      "GET /orgs/{org}/teams/{team_slug}/discussions/{discussion_number}/comments/{comment_number}"
    ],
    getDiscussionInOrg: [
      "GET /orgs/{org}/teams/{team_slug}/discussions/{discussion_number}"
    ],
    getMembershipForUserInOrg: [
      "GET /orgs/{org}/teams/{team_slug}/memberships/{username}"
    ],
    list: ["GET /orgs/{org}/teams"],
    listChildInOrg: ["GET /orgs/{org}/teams/{team_slug}/teams"],
    listDiscussionCommentsInOrg: [
      "GET /orgs/{org}/teams/{team_slug}/discussions/{discussion_number}/comments"
    ],
    listDiscussionsInOrg: ["GET /orgs/{org}/teams/{team_slug}/discussions"],
    listForAuthenticatedUser: ["GET /user/teams"],
    listMembersInOrg: ["GET /orgs/{org}/teams/{team_slug}/members"],
    listPendingInvitationsInOrg: [
      "GET /orgs/{org}/teams/{team_slug}/invitations"
    ],
    listReposInOrg: ["GET /orgs/{org}/teams/{team_slug}/repos"],
    removeMembershipForUserInOrg: [
      "DELETE /orgs/{org}/teams/{team_slug}/memberships/{username}"
    ],
    removeRepoInOrg: [
      "DELETE /orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}"
    ],
    updateDiscussionCommentInOrg: [
      "PATCH /orgs/{org}/teams/{team_slug}/discussions/{discussion_number}/comments/{comment_number}"
    ],
    updateDiscussionInOrg: [
      "PATCH /orgs/{org}/teams/{team_slug}/discussions/{discussion_number}"
    ],
    updateInOrg: ["PATCH /orgs/{org}/teams/{team_slug}"]
  },
  users: {
    addEmailForAuthenticated: [
      "POST /user/emails",
      {},
      { renamed: ["users", "addEmailForAuthenticatedUser"] }
    ],
    addEmailForAuthenticatedUser: ["POST /user/emails"],
    addSocialAccountForAuthenticatedUser: ["POST /user/social_accounts"],
    block: ["PUT /user/blocks/{username}"],
    checkBlocked: ["GET /user/blocks/{username}"],
    checkFollowingForUser: ["GET /users/{username}/following/{target_user}"],
    checkPersonIsFollowedByAuthenticated: ["GET /user/following/{username}"],
    createGpgKeyForAuthenticated: [
      "POST /user/gpg_keys",
      {},
      { renamed: ["users", "createGpgKeyForAuthenticatedUser"] }
    ],
    createGpgKeyForAuthenticatedUser: ["POST /user/gpg_keys"],
    createPublicSshKeyForAuthenticated: [
      "POST /user/keys",
      {},
      { renamed: ["users", "createPublicSshKeyForAuthenticatedUser"] }
    ],
    createPublicSshKeyForAuthenticatedUser: ["POST /user/keys"],
    createSshSigningKeyForAuthenticatedUser: ["POST /user/ssh_signing_keys"],
    deleteAttestationsBulk: [
      "POST /users/{username}/attestations/delete-request"
    ],
    deleteAttestationsById: [
      "DELETE /users/{username}/attestations/{attestation_id}"
    ],
    deleteAttestationsBySubjectDigest: [
      "DELETE /users/{username}/attestations/digest/{subject_digest}"
    ],
    deleteEmailForAuthenticated: [
      "DELETE /user/emails",
      {},
      { renamed: ["users", "deleteEmailForAuthenticatedUser"] }
    ],
    deleteEmailForAuthenticatedUser: ["DELETE /user/emails"],
    deleteGpgKeyForAuthenticated: [
      "DELETE /user/gpg_keys/{gpg_key_id}",
      {},
      { renamed: ["users", "deleteGpgKeyForAuthenticatedUser"] }
    ],
    deleteGpgKeyForAuthenticatedUser: ["DELETE /user/gpg_keys/{gpg_key_id}"],
    deletePublicSshKeyForAuthenticated: [
      "DELETE /user/keys/{key_id}",
      {},
      { renamed: ["users", "deletePublicSshKeyForAuthenticatedUser"] }
    ],
    deletePublicSshKeyForAuthenticatedUser: ["DELETE /user/keys/{key_id}"],
    deleteSocialAccountForAuthenticatedUser: ["DELETE /user/social_accounts"],
    deleteSshSigningKeyForAuthenticatedUser: [
      "DELETE /user/ssh_signing_keys/{ssh_signing_key_id}"
    ],
    follow: ["PUT /user/following/{username}"],
    getAuthenticated: ["GET /user"],
    getById: ["GET /user/{account_id}"],
    getByUsername: ["GET /users/{username}"],
    getContextForUser: ["GET /users/{username}/hovercard"],
    getGpgKeyForAuthenticated: [
      "GET /user/gpg_keys/{gpg_key_id}",
      {},
      { renamed: ["users", "getGpgKeyForAuthenticatedUser"] }
    ],
    getGpgKeyForAuthenticatedUser: ["GET /user/gpg_keys/{gpg_key_id}"],
    getPublicSshKeyForAuthenticated: [
      "GET /user/keys/{key_id}",
      {},
      { renamed: ["users", "getPublicSshKeyForAuthenticatedUser"] }
    ],
    getPublicSshKeyForAuthenticatedUser: ["GET /user/keys/{key_id}"],
    getSshSigningKeyForAuthenticatedUser: [
      "GET /user/ssh_signing_keys/{ssh_signing_key_id}"
    ],
    list: ["GET /users"],
    listAttestations: ["GET /users/{username}/attestations/{subject_digest}"],
    listAttestationsBulk: [
      "POST /users/{username}/attestations/bulk-list{?per_page,before,after}"
    ],
    listBlockedByAuthenticated: [
      "GET /user/blocks",
      {},
      { renamed: ["users", "listBlockedByAuthenticatedUser"] }
    ],
    listBlockedByAuthenticatedUser: ["GET /user/blocks"],
    listEmailsForAuthenticated: [
      "GET /user/emails",
      {},
      { renamed: ["users", "listEmailsForAuthenticatedUser"] }
    ],
    listEmailsForAuthenticatedUser: ["GET /user/emails"],
    listFollowedByAuthenticated: [
      "GET /user/following",
      {},
      { renamed: ["users", "listFollowedByAuthenticatedUser"] }
    ],
    listFollowedByAuthenticatedUser: ["GET /user/following"],
    listFollowersForAuthenticatedUser: ["GET /user/followers"],
    listFollowersForUser: ["GET /users/{username}/followers"],
    listFollowingForUser: ["GET /users/{username}/following"],
    listGpgKeysForAuthenticated: [
      "GET /user/gpg_keys",
      {},
      { renamed: ["users", "listGpgKeysForAuthenticatedUser"] }
    ],
    listGpgKeysForAuthenticatedUser: ["GET /user/gpg_keys"],
    listGpgKeysForUser: ["GET /users/{username}/gpg_keys"],
    listPublicEmailsForAuthenticated: [
      "GET /user/public_emails",
      {},
      { renamed: ["users", "listPublicEmailsForAuthenticatedUser"] }
    ],
    listPublicEmailsForAuthenticatedUser: ["GET /user/public_emails"],
    listPublicKeysForUser: ["GET /users/{username}/keys"],
    listPublicSshKeysForAuthenticated: [
      "GET /user/keys",
      {},
      { renamed: ["users", "listPublicSshKeysForAuthenticatedUser"] }
    ],
    listPublicSshKeysForAuthenticatedUser: ["GET /user/keys"],
    listSocialAccountsForAuthenticatedUser: ["GET /user/social_accounts"],
    listSocialAccountsForUser: ["GET /users/{username}/social_accounts"],
    listSshSigningKeysForAuthenticatedUser: ["GET /user/ssh_signing_keys"],
    listSshSigningKeysForUser: ["GET /users/{username}/ssh_signing_keys"],
    setPrimaryEmailVisibilityForAuthenticated: [
      "PATCH /user/email/visibility",
      {},
      { renamed: ["users", "setPrimaryEmailVisibilityForAuthenticatedUser"] }
    ],
    setPrimaryEmailVisibilityForAuthenticatedUser: [
      "PATCH /user/email/visibility"
    ],
    unblock: ["DELETE /user/blocks/{username}"],
    unfollow: ["DELETE /user/following/{username}"],
    updateAuthenticated: ["PATCH /user"]
  }
};
var endpoints_default = Endpoints;

//# sourceMappingURL=endpoints.js.map

;// CONCATENATED MODULE: ./node_modules/@octokit/plugin-rest-endpoint-methods/dist-src/endpoints-to-methods.js

const endpointMethodsMap = /* @__PURE__ */ new Map();
for (const [scope, endpoints] of Object.entries(endpoints_default)) {
  for (const [methodName, endpoint] of Object.entries(endpoints)) {
    const [route, defaults, decorations] = endpoint;
    const [method, url] = route.split(/ /);
    const endpointDefaults = Object.assign(
      {
        method,
        url
      },
      defaults
    );
    if (!endpointMethodsMap.has(scope)) {
      endpointMethodsMap.set(scope, /* @__PURE__ */ new Map());
    }
    endpointMethodsMap.get(scope).set(methodName, {
      scope,
      methodName,
      endpointDefaults,
      decorations
    });
  }
}
const handler = {
  has({ scope }, methodName) {
    return endpointMethodsMap.get(scope).has(methodName);
  },
  getOwnPropertyDescriptor(target, methodName) {
    return {
      value: this.get(target, methodName),
      // ensures method is in the cache
      configurable: true,
      writable: true,
      enumerable: true
    };
  },
  defineProperty(target, methodName, descriptor) {
    Object.defineProperty(target.cache, methodName, descriptor);
    return true;
  },
  deleteProperty(target, methodName) {
    delete target.cache[methodName];
    return true;
  },
  ownKeys({ scope }) {
    return [...endpointMethodsMap.get(scope).keys()];
  },
  set(target, methodName, value) {
    return target.cache[methodName] = value;
  },
  get({ octokit, scope, cache }, methodName) {
    if (cache[methodName]) {
      return cache[methodName];
    }
    const method = endpointMethodsMap.get(scope).get(methodName);
    if (!method) {
      return void 0;
    }
    const { endpointDefaults, decorations } = method;
    if (decorations) {
      cache[methodName] = decorate(
        octokit,
        scope,
        methodName,
        endpointDefaults,
        decorations
      );
    } else {
      cache[methodName] = octokit.request.defaults(endpointDefaults);
    }
    return cache[methodName];
  }
};
function endpointsToMethods(octokit) {
  const newMethods = {};
  for (const scope of endpointMethodsMap.keys()) {
    newMethods[scope] = new Proxy({ octokit, scope, cache: {} }, handler);
  }
  return newMethods;
}
function decorate(octokit, scope, methodName, defaults, decorations) {
  const requestWithDefaults = octokit.request.defaults(defaults);
  function withDecorations(...args) {
    let options = requestWithDefaults.endpoint.merge(...args);
    if (decorations.mapToData) {
      options = Object.assign({}, options, {
        data: options[decorations.mapToData],
        [decorations.mapToData]: void 0
      });
      return requestWithDefaults(options);
    }
    if (decorations.renamed) {
      const [newScope, newMethodName] = decorations.renamed;
      octokit.log.warn(
        `octokit.${scope}.${methodName}() has been renamed to octokit.${newScope}.${newMethodName}()`
      );
    }
    if (decorations.deprecated) {
      octokit.log.warn(decorations.deprecated);
    }
    if (decorations.renamedParameters) {
      const options2 = requestWithDefaults.endpoint.merge(...args);
      for (const [name, alias] of Object.entries(
        decorations.renamedParameters
      )) {
        if (name in options2) {
          octokit.log.warn(
            `"${name}" parameter is deprecated for "octokit.${scope}.${methodName}()". Use "${alias}" instead`
          );
          if (!(alias in options2)) {
            options2[alias] = options2[name];
          }
          delete options2[name];
        }
      }
      return requestWithDefaults(options2);
    }
    return requestWithDefaults(...args);
  }
  return Object.assign(withDecorations, requestWithDefaults);
}

//# sourceMappingURL=endpoints-to-methods.js.map

;// CONCATENATED MODULE: ./node_modules/@octokit/plugin-rest-endpoint-methods/dist-src/index.js


function restEndpointMethods(octokit) {
  const api = endpointsToMethods(octokit);
  return {
    rest: api
  };
}
restEndpointMethods.VERSION = plugin_rest_endpoint_methods_dist_src_version_VERSION;
function legacyRestEndpointMethods(octokit) {
  const api = endpointsToMethods(octokit);
  return {
    ...api,
    rest: api
  };
}
legacyRestEndpointMethods.VERSION = plugin_rest_endpoint_methods_dist_src_version_VERSION;

//# sourceMappingURL=index.js.map

;// CONCATENATED MODULE: ./node_modules/@octokit/rest/dist-src/version.js
const rest_dist_src_version_VERSION = "22.0.1";


;// CONCATENATED MODULE: ./node_modules/@octokit/rest/dist-src/index.js





const dist_src_Octokit = Octokit.plugin(requestLog, legacyRestEndpointMethods, paginateRest).defaults(
  {
    userAgent: `octokit-rest.js/${rest_dist_src_version_VERSION}`
  }
);


;// CONCATENATED MODULE: ./src/github/client.ts






/** The Octokit class every GitHub call in this project goes through. */
const GitHubClient = dist_src_Octokit.plugin(retry, throttling);
const DEFAULT_API_URL = "https://api.github.com";
/** Longest primary rate-limit wait we sit out instead of failing (GitHub resets hourly). */
const MAX_RATE_LIMIT_WAIT_SECONDS = 120;
function createClient(options) {
    const warn = options.warn ?? ((message) => process.stderr.write(`${message}\n`));
    const paceMs = options.paceMs ?? 1000;
    if (!options.token === !options.app)
        throw new Error("createClient needs a token or an app");
    const auth = options.app
        ? {
            authStrategy: createAppAuth,
            auth: {
                appId: options.app.appId,
                privateKey: options.app.privateKey,
                ...(options.app.installationId === undefined
                    ? {}
                    : { installationId: options.app.installationId }),
                ...(options.app.cache ? { cache: options.app.cache } : {}),
            },
        }
        : { auth: options.token };
    return new GitHubClient({
        ...auth,
        baseUrl: (options.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, ""),
        userAgent: "goal-orchestrator",
        // Failed requests reach the caller as errors with context; logging each one here too
        // would print the same failure twice.
        log: { debug: () => { }, info: () => { }, warn, error: () => { } },
        // 400/401/403/404/410/422/451 mean the request itself is wrong: retrying cannot help.
        retry: { retryAfterBaseValue: paceMs },
        throttle: {
            retryAfterBaseValue: paceMs,
            // GitHub's guidance, kept from the plugin's defaults but measured in paces: a second
            // between writes, three between writes that notify people (comments, issues).
            write: pacingGroup("write", paceMs),
            notifications: pacingGroup("notifications", 3 * paceMs),
            onRateLimit: (retryAfter, request, _octokit, retryCount) => {
                const wait = `${retryAfter}s`;
                if (retryCount < 1 && retryAfter <= MAX_RATE_LIMIT_WAIT_SECONDS) {
                    warn(`GitHub rate limit hit on ${request.method} ${request.url}; retrying in ${wait}.`);
                    return true;
                }
                warn(`GitHub rate limit hit on ${request.method} ${request.url}; giving up (reset in ${wait}).`);
                return false;
            },
            onSecondaryRateLimit: (retryAfter, request, _octokit, retryCount) => {
                if (retryCount < 3) {
                    warn(`GitHub secondary rate limit on ${request.method} ${request.url}; retrying in ${retryAfter}s.`);
                    return true;
                }
                return false;
            },
        },
    });
}
/** Requests are spaced per process, across every client with the same pace. */
const pacingGroups = new Map();
function pacingGroup(kind, minTime) {
    const id = `goal-orchestrator-${kind}-${minTime}`;
    let group = pacingGroups.get(id);
    if (!group) {
        group = new (light_default()).Group({ id, maxConcurrent: 1, minTime });
        pacingGroups.set(id, group);
    }
    return group;
}
/**
 * GOAL_ORCHESTRATOR_PACE_MS overrides the pace (see ClientOptions.paceMs). Only the local
 * test server can take requests faster than GitHub's guidance; tests and the demo set it.
 */
function paceFromEnvironment(env) {
    const raw = env.GOAL_ORCHESTRATOR_PACE_MS;
    if (!raw)
        return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) {
        throw new errors_UserError(`GOAL_ORCHESTRATOR_PACE_MS: "${raw}" is not a whole number of milliseconds.`);
    }
    return value;
}

;// CONCATENATED MODULE: ./src/core/github-limits.ts
/**
 * GitHub's size limits on the text we send it; beyond them it answers 422 "… is too long".
 *
 * Lengths are JavaScript string lengths (UTF-16 code units). GitHub counts characters; a
 * character outside the Basic Multilingual Plane (an emoji) is one character to GitHub and two
 * code units here, so measuring in code units can only err on the safe side.
 */
const GITHUB_LIMITS = {
    /** Issue, pull request and comment bodies. */
    body: 65_536,
    /** Issue and pull request titles. */
    title: 256,
    /** Label names. */
    labelName: 50,
};
/** 65536 → "65,536", the way the notes and messages show limits. */
function github_limits_formatCount(count) {
    return count.toLocaleString("en-US");
}
/** The note `fitBody` ends a cut text with: where the full text can be read, when known. */
function cutNote(where, limit = GITHUB_LIMITS.body) {
    return `\n\n… (cut to fit GitHub's ${github_limits_formatCount(limit)}-character limit${where ? `; the full text is in ${where}` : ""})`;
}
/**
 * The first `length` code units of `text`, one fewer when that would split a surrogate pair
 * (half an emoji is not a character at all).
 */
function safePrefix(text, length) {
    if (length <= 0)
        return "";
    if (length >= text.length)
        return text;
    const last = text.charCodeAt(length - 1);
    const end = last >= 0xd800 && last <= 0xdbff ? length - 1 : length;
    return text.slice(0, end);
}
/**
 * `text` unchanged when it fits in `limit`; otherwise as much of it as fits followed by `note`,
 * together at most `limit` long. Never cuts inside a surrogate pair.
 */
function fitBody(text, limit = GITHUB_LIMITS.body, note = cutNote(undefined, limit)) {
    if (text.length <= limit)
        return text;
    if (note.length >= limit)
        return safePrefix(note, limit);
    return safePrefix(text, limit - note.length).trimEnd() + note;
}
/** A title that fits GitHub's limit: cut and ended with "…" when it is longer. */
function fitTitle(title, limit = GITHUB_LIMITS.title) {
    if (title.length <= limit)
        return title;
    return `${safePrefix(title, limit - 1).trimEnd()}…`;
}

;// CONCATENATED MODULE: ./src/core/agent-options.ts
/** Values that choose how the agent runs; shared by goal bodies (per-goal overrides) and settings. */
const REASONING_LEVELS = ["low", "med", "high"];
/** What a user may write; "medium" is read as "med". */
const REASONING_INPUTS = ["low", "med", "medium", "high"];
function parseReasoning(text) {
    const value = text.trim().toLowerCase();
    if (value === "medium")
        return "med";
    return REASONING_LEVELS.includes(value) ? value : null;
}
const MODEL_MAX_LENGTH = 100;
// Model names are passed to the agent as one argument: keep them to one plain token.
const MODEL_PATTERN = /^[A-Za-z0-9._:/-]+$/;
function isValidModel(text) {
    return text.length <= MODEL_MAX_LENGTH && MODEL_PATTERN.test(text);
}
const MODEL_RULE = `a name of letters, digits and . _ : / - (at most ${MODEL_MAX_LENGTH} characters), like opus or sonnet`;

;// CONCATENATED MODULE: ./src/core/goal-metadata.ts
/** The one-per-line metadata of a goal body: `Story:`, `Depends:`, `Model:` and `Reasoning:`. */
const METADATA_LABELS = {
    story: "Story",
    depends: "Depends",
    model: "Model",
    reasoning: "Reasoning",
};
// "Depends on:" is read as "Depends:" because people write it that way.
const LINE_START = /^[ \t]*(story|depends(?:[ \t]+on)?|model|reasoning)[ \t]*:/i;
// Model and Reasoning may share a line ("Model: opus   Reasoning: high").
const SHARED_KEY = /(?:^|[ \t])(model|reasoning)[ \t]*:/gi;
/** Returns the entries on a metadata line, or null when the line is not metadata. */
function goal_metadata_readMetadataLine(line) {
    const start = LINE_START.exec(line);
    if (!start)
        return null;
    const key = (start[1] ?? "").toLowerCase().split(/[ \t]/)[0];
    if (key === "story" || key === "depends") {
        return [{ key, value: line.slice(start[0].length).trim() }];
    }
    const matches = [...line.matchAll(SHARED_KEY)];
    return matches.map((match, i) => {
        const valueStart = (match.index ?? 0) + match[0].length;
        const valueEnd = matches[i + 1]?.index ?? line.length;
        return {
            key: (match[1] ?? "").toLowerCase(),
            value: line.slice(valueStart, valueEnd).trim(),
        };
    });
}
function goal_metadata_isMetadataLine(line) {
    return LINE_START.test(line);
}

;// CONCATENATED MODULE: ./src/core/markdown-lines.ts
const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$/;
function splitLines(text) {
    return text.split(/\r?\n/);
}
function markdown_lines_classifyLines(text) {
    const lines = [];
    let fence = null;
    for (const line of splitLines(text)) {
        if (fence !== null) {
            lines.push({ text: line, inFence: true, heading: null });
            if (closesFence(line, fence))
                fence = null;
            continue;
        }
        const opening = FENCE_OPEN.exec(line)?.[1];
        // A backtick fence's info string may not contain backticks (CommonMark), so "```a```" is inline code.
        if (opening !== undefined &&
            !(opening.startsWith("`") && line.slice(line.indexOf(opening) + opening.length).includes("`"))) {
            fence = opening;
            lines.push({ text: line, inFence: true, heading: null });
            continue;
        }
        lines.push({ text: line, inFence: false, heading: parseHeading(line) });
    }
    return lines;
}
function closesFence(line, fence) {
    const char = fence[0] === "`" ? "`" : "~";
    const match = new RegExp(`^ {0,3}(\\${char}{${fence.length},})[ \\t]*$`).exec(line);
    return match !== null;
}
function parseHeading(line) {
    const match = HEADING.exec(line);
    if (!match)
        return null;
    const [, hashes = "", rawTitle = ""] = match;
    // Closing hashes ("## Title ##") are decoration, not part of the title.
    const title = rawTitle.replace(/(?:^|[ \t]+)#+$/, "").trim();
    return { level: hashes.length, title };
}

;// CONCATENATED MODULE: ./src/core/goal-body.ts





const SECTION_TITLES = {
    objective: "Objective",
    acceptance: "Acceptance",
};
const SECTION_HINTS = {
    objective: "what to build",
    acceptance: "observable criteria that show it is done",
};
const REF_FORMS = "use #12, owner/repo#12 or an issue URL";
function sectionOf(line) {
    const heading = line.heading;
    if (heading === null || (heading.level !== 2 && heading.level !== 3))
        return null;
    const title = heading.title.replace(/:$/, "").trim().toLowerCase();
    if (title === "objective")
        return "objective";
    if (title === "acceptance")
        return "acceptance";
    return null;
}
/** Characters a reader does not see: format controls (zero-width, bidi, tags) and fillers. */
const INVISIBLE = /[\p{Cf}\u115f\u1160\u3164\uffa0]/gu;
const INVISIBLE_NAMES = {
    "\u00ad": "SOFT HYPHEN",
    "\u200b": "ZERO WIDTH SPACE",
    "\u200c": "ZERO WIDTH NON-JOINER",
    "\u200d": "ZERO WIDTH JOINER",
    "\u200e": "LEFT-TO-RIGHT MARK",
    "\u200f": "RIGHT-TO-LEFT MARK",
    "\u202e": "RIGHT-TO-LEFT OVERRIDE",
    "\u2060": "WORD JOINER",
    "\u2063": "INVISIBLE SEPARATOR",
    "\ufeff": "ZERO WIDTH NO-BREAK SPACE",
};
/** `U+200B ZERO WIDTH SPACE`, or `U+E0041` for a character without a name here. */
function describeCharacter(char) {
    const code = `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
    const name = INVISIBLE_NAMES[char];
    return name ? `${code} ${name}` : code;
}
/**
 * When a section seems missing because its heading holds invisible characters (pasted text,
 * or someone hiding it), the problem that names them and the line; otherwise null.
 */
function disguisedHeading(lines, name) {
    for (const [index, line] of lines.entries()) {
        if (line.heading === null)
            continue;
        const invisible = [...new Set(line.heading.title.match(INVISIBLE) ?? [])];
        const title = line.heading.title.replace(INVISIBLE, "").replace(/:$/, "").trim();
        if (invisible.length > 0 && title.toLowerCase() === name) {
            return `The heading on line ${index + 1} reads "## ${SECTION_TITLES[name]}" but holds invisible characters (${invisible.map(describeCharacter).join(", ")}), so it is not the "## ${SECTION_TITLES[name]}" section: type the heading again.`;
        }
    }
    return null;
}
function parseGoalBody(body, repo) {
    const problems = [];
    const lines = markdown_lines_classifyLines(body);
    const sections = readSections(lines, problems);
    const meta = readMetadata(lines, repo, problems);
    for (const name of ["objective", "acceptance"]) {
        const text = sections.get(name);
        const heading = `## ${SECTION_TITLES[name]}`;
        if (text === undefined) {
            problems.push(disguisedHeading(lines, name) ??
                `Missing the "${heading}" section: add a line "${heading}" followed by ${SECTION_HINTS[name]}.`);
        }
        else if (text === "") {
            problems.push(`The "${heading}" section is empty: write ${SECTION_HINTS[name]} below it.`);
        }
    }
    if (problems.length > 0)
        throw new errors_GoalBodyError(problems);
    return {
        objective: sections.get("objective") ?? "",
        acceptance: sections.get("acceptance") ?? "",
        ...meta,
    };
}
/** Collects each section's text; a section ends at a heading of the same or higher level, another section or metadata. */
function readSections(lines, problems) {
    const sections = new Map();
    let current = null;
    const close = () => {
        if (current !== null)
            sections.set(current.name, current.lines.join("\n").trim());
        current = null;
    };
    for (const line of lines) {
        const name = sectionOf(line);
        if (name !== null) {
            close();
            if (sections.has(name)) {
                problems.push(`The "## ${SECTION_TITLES[name]}" section appears more than once: merge them into one.`);
            }
            current = { name, level: line.heading?.level ?? 2, lines: [] };
            continue;
        }
        if (current === null)
            continue;
        const endsSection = (line.heading !== null && line.heading.level <= current.level) ||
            (!line.inFence && goal_metadata_isMetadataLine(line.text));
        if (endsSection) {
            close();
            continue;
        }
        current.lines.push(line.text);
    }
    close();
    return sections;
}
function readMetadata(lines, repo, problems) {
    const result = {
        story: null,
        depends: [],
        model: null,
        reasoning: null,
    };
    const seen = new Set();
    const dependencyKeys = new Set();
    for (const line of lines) {
        if (line.inFence)
            continue;
        for (const entry of goal_metadata_readMetadataLine(line.text) ?? []) {
            // Several Depends lines add up; the other keys hold one value.
            if (entry.key !== "depends" && seen.has(entry.key)) {
                problems.push(`"${METADATA_LABELS[entry.key]}:" is given more than once: keep one line.`);
                continue;
            }
            seen.add(entry.key);
            applyEntry(entry, repo, result, dependencyKeys, problems);
        }
    }
    return result;
}
function applyEntry({ key, value }, repo, result, dependencyKeys, problems) {
    switch (key) {
        case "story": {
            if (value === "")
                return;
            const ref = tryParseIssueRef(value, repo);
            if (ref === null)
                problems.push(`Story: "${value}" is not an issue reference; ${REF_FORMS}.`);
            result.story = ref;
            return;
        }
        case "depends":
            for (const token of value
                .split(/[\s,]+/)
                .filter((t) => t !== "" && t.toLowerCase() !== "none")) {
                const ref = tryParseIssueRef(token, repo);
                if (ref === null) {
                    problems.push(`Depends: "${token}" is not an issue reference; ${REF_FORMS}.`);
                }
                else if (!dependencyKeys.has(issueKey(ref))) {
                    dependencyKeys.add(issueKey(ref));
                    result.depends.push(ref);
                }
            }
            return;
        case "model":
            if (isValidModel(value))
                result.model = value;
            else
                problems.push(`Model: "${value}" is not a model name; use ${MODEL_RULE}.`);
            return;
        case "reasoning": {
            const level = parseReasoning(value);
            if (level !== null)
                result.reasoning = level;
            else
                problems.push(`Reasoning: "${value}" is not one of ${REASONING_INPUTS.join(", ")}.`);
            return;
        }
    }
}
/** Writes a goal body in the documented format (design §2). Throws GoalBodyError when the result would not read back the same. */
function renderGoalBody(input, repo) {
    const objective = input.objective.trim();
    const acceptance = input.acceptance.trim();
    const problems = [
        ...textProblems("objective", objective),
        ...textProblems("acceptance", acceptance),
    ];
    const metadata = metadataLines(input, repo);
    const body = [
        "## Objective",
        objective,
        "",
        "## Acceptance",
        acceptance,
        ...(metadata.length > 0 ? ["", ...metadata] : []),
        "",
    ].join("\n");
    try {
        parseGoalBody(body, repo);
    }
    catch (error) {
        if (error instanceof GoalBodyError)
            problems.push(...error.problems);
        else
            throw error;
    }
    if (problems.length > 0)
        throw new GoalBodyError([...new Set(problems)]);
    return body;
}
/** Lines in section text that the parser would read as structure, which would cut the section short. */
function textProblems(name, text) {
    const title = SECTION_TITLES[name];
    return classifyLines(text).flatMap((line) => {
        if (line.inFence)
            return [];
        if (isMetadataLine(line.text)) {
            return [
                `The ${title} text has the line "${line.text.trim()}", which reads as goal metadata: reword it or put it in a code block.`,
            ];
        }
        if (sectionOf(line) !== null || (line.heading !== null && line.heading.level <= 2)) {
            return [
                `The ${title} text has the heading "${line.text.trim()}", which would end the section: use ### or a deeper heading.`,
            ];
        }
        return [];
    });
}
function metadataLines(meta, repo) {
    const lines = [];
    if (meta.story)
        lines.push(storyLine(meta.story, repo));
    if (meta.depends && meta.depends.length > 0)
        lines.push(dependsLine(meta.depends, repo));
    const overrides = [
        meta.model ? `Model: ${meta.model}` : null,
        meta.reasoning ? `Reasoning: ${meta.reasoning}` : null,
    ].filter((part) => part !== null);
    if (overrides.length > 0)
        lines.push(overrides.join("    "));
    return lines;
}
function storyLine(story, repo) {
    return `Story: ${formatIssueRef(story, repo)}`;
}
function dependsLine(depends, repo) {
    return `Depends: ${depends.map((ref) => formatIssueRef(ref, repo)).join(", ")}`;
}
/**
 * Sets the Story and Depends lines of an existing body, leaving everything else as it was.
 * `undefined` leaves a key alone; `null` (story) or `[]` (depends) removes its line.
 */
function withMetadata(existingBody, meta, repo) {
    const wanted = new Map();
    if (meta.story !== undefined)
        wanted.set("story", meta.story ? storyLine(meta.story, repo) : null);
    if (meta.depends !== undefined) {
        wanted.set("depends", meta.depends.length > 0 ? dependsLine(meta.depends, repo) : null);
    }
    const lines = classifyLines(existingBody);
    const endings = existingBody.split("\n").map((raw) => (raw.endsWith("\r") ? "\r" : ""));
    const output = [];
    const placed = new Set();
    let lastMetadataIndex = -1;
    lines.forEach((line, i) => {
        const entries = line.inFence ? null : readMetadataLine(line.text);
        const key = entries?.[0]?.key;
        if (key === "story" || key === "depends") {
            if (wanted.has(key)) {
                // Replace the first line for the key and drop any repeats.
                const replacement = wanted.get(key) ?? null;
                const first = !placed.has(key);
                placed.add(key);
                if (first && replacement !== null) {
                    output.push(replacement + (endings[i] ?? ""));
                    lastMetadataIndex = output.length - 1;
                }
                return;
            }
        }
        output.push(line.text + (endings[i] ?? ""));
        if (entries !== null)
            lastMetadataIndex = output.length - 1;
    });
    const missing = ["story", "depends"]
        .filter((key) => !placed.has(key))
        .map((key) => wanted.get(key))
        .filter((line) => typeof line === "string");
    if (missing.length === 0)
        return output.join("\n");
    if (lastMetadataIndex >= 0) {
        output.splice(lastMetadataIndex + 1, 0, ...missing);
        return output.join("\n");
    }
    return appendBlock(output.join("\n"), missing);
}
function appendBlock(body, block) {
    const trailing = /\s*$/.exec(body)?.[0] ?? "";
    const content = body.slice(0, body.length - trailing.length);
    const separator = content === "" ? "" : "\n\n";
    return `${content}${separator}${block.join("\n")}${trailing.includes("\n") ? "\n" : ""}`;
}

;// CONCATENATED MODULE: ./src/github/create-issue.ts



/** How often a create is attempted when GitHub's answer does not arrive. */
const CREATE_ATTEMPTS = 4;
/** Issues created since we started that we look through for our request id. */
const RECENT_ISSUES_PAGE = 100;
/** Hidden in the body so a create whose answer was lost can be found again. */
function requestIdLine(requestId) {
    return `<!-- goal-orchestrator:request ${requestId} -->`;
}
/** Statuses after which GitHub may or may not have created the issue. */
function outcomeUnknown(error) {
    return error instanceof RequestError && (error.status >= 500 || error.status === 0);
}
/**
 * Creates an issue exactly once, even when a response is lost after GitHub applied the write
 * (a 502 or a dropped connection). Octokit's own retry would create a duplicate there, so it
 * is switched off for this request; before every new attempt we look for an issue carrying
 * our request id, created since we began.
 */
async function createIssueOnce(client, repo, issue, options = {}) {
    const requestId = (0,external_node_crypto_namespaceObject.randomUUID)();
    const body = `${issue.body.trimEnd()}\n\n${requestIdLine(requestId)}\n`;
    // Start looking well before now: our clock and GitHub's may disagree.
    const since = new Date(Date.now() - 10 * 60_000).toISOString();
    const baseMs = options.paceMs ?? 1000;
    let lastError;
    for (let attempt = 1; attempt <= CREATE_ATTEMPTS; attempt++) {
        if (attempt > 1) {
            const existing = await findByRequestId(client, repo, requestId, since);
            if (existing)
                return existing;
            await new Promise((resolve) => setTimeout(resolve, baseMs * attempt ** 2));
        }
        try {
            const { data } = await client.rest.issues.create({
                owner: repo.owner,
                repo: repo.repo,
                title: issue.title,
                body,
                labels: issue.labels,
                request: { retries: 0 },
            });
            return { id: data.id, number: data.number, html_url: data.html_url };
        }
        catch (error) {
            if (!outcomeUnknown(error))
                throw error;
            lastError = error;
        }
    }
    const existing = await findByRequestId(client, repo, requestId, since);
    if (existing)
        return existing;
    throw new Error(`Creating the issue in ${formatRepo(repo)} failed ${CREATE_ATTEMPTS} times and no issue was created: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}
async function findByRequestId(client, repo, requestId, since) {
    const marker = requestIdLine(requestId);
    const { data } = await client.rest.issues.listForRepo({
        owner: repo.owner,
        repo: repo.repo,
        state: "all",
        sort: "created",
        direction: "desc",
        since,
        per_page: RECENT_ISSUES_PAGE,
    });
    const found = data.find((candidate) => !candidate.pull_request && candidate.body?.includes(marker));
    return found ? { id: found.id, number: found.number, html_url: found.html_url } : null;
}

;// CONCATENATED MODULE: ./src/github/errors.ts


/** The goal was not in the state the caller expected: someone else changed it first. */
class ConflictError extends errors_UserError {
    name = "ConflictError";
}
/** An issue, story or repository that does not exist (or the token cannot see). */
class NotFoundError extends errors_UserError {
    name = "NotFoundError";
}
function isStatus(error, ...statuses) {
    return error instanceof RequestError && statuses.includes(error.status);
}
/**
 * Turns GitHub's answer into an error a person can act on: what we were doing, what GitHub
 * said, and what to change. Errors that are not GitHub's answer pass through unchanged.
 */
function explainGitHubError(error, doing) {
    if (!(error instanceof RequestError))
        return error;
    const said = error.message.split(" - ")[0];
    if (!error.response) {
        // Octokit reports a failed connection as a 500 without a response.
        return new errors_UserError(`Could not reach the GitHub API while ${doing} (${error.request.url}): ${error.message}. Check GITHUB_API_URL and the network.`);
    }
    switch (error.status) {
        case 401:
            return new errors_UserError(`GitHub rejected the token while ${doing} (401 ${said}). Set GITHUB_TOKEN or GH_TOKEN to a valid token.`);
        case 403:
            return new errors_UserError(`GitHub refused ${doing} (403 ${said}). The token needs read and write access to issues (and pull requests for the runner).`);
        case 404:
            return new NotFoundError(`GitHub answered 404 while ${doing}: it does not exist, or the token cannot see it.`);
        default:
            if (error.status < 500)
                return error;
            return new errors_UserError(`GitHub answered ${error.status} ${said}${triesOf(error)} while ${doing} (${error.request.method} ${pathOf(error.request.url)}). That is GitHub's trouble, not this request's: the next run tries again.`);
    }
}
/** " 4 times" when the retry plugin tried more than once, else "". */
function triesOf(error) {
    const retries = error.request.request?.retryCount ?? 0;
    return retries > 0 ? ` ${retries + 1} times` : "";
}
function pathOf(url) {
    try {
        return new URL(url).pathname;
    }
    catch {
        return url;
    }
}
/**
 * Runs one step of a longer flow so that a failure says which step it was and what GitHub
 * answered (a bare "Bad Gateway" says neither).
 */
async function step(doing, run) {
    try {
        return await run();
    }
    catch (error) {
        const explained = explainGitHubError(error, doing);
        // Explained deeper down already (it says what was asked): say which step asked it too.
        if (explained === error && error instanceof UserError && !(error instanceof ConflictError)) {
            const wrapped = new UserError(`${doing[0]?.toUpperCase()}${doing.slice(1)}: ${error.message}`);
            wrapped.cause = error;
            throw wrapped;
        }
        throw explained;
    }
}

;// CONCATENATED MODULE: ./src/github/queries.ts
// GraphQL documents the adapter sends. The local test server validates each one against
// GitHub's published schema, so a field GitHub lacks fails the tests, not production.
/** The fields of an issue that make a goal snapshot. */
const GOAL_FIELDS = `
  id
  databaseId
  number
  title
  body
  state
  stateReason
  url
  createdAt
  author { login __typename }
  labels(first: 50) { nodes { name } }
  comments(last: $commentWindow) {
    totalCount
    nodes { body createdAt author { login __typename } }
  }
`;
const GOAL_PAGE_QUERY = `
query GoalPage($owner: String!, $name: String!, $labels: [String!], $after: String, $pageSize: Int!, $commentWindow: Int!) {
  repository(owner: $owner, name: $name) {
    issues(labels: $labels, states: [OPEN], first: $pageSize, after: $after, orderBy: {field: CREATED_AT, direction: ASC}) {
      pageInfo { hasNextPage endCursor }
      nodes { ${GOAL_FIELDS} }
    }
  }
}`;
/** Goals in any state, open or closed, changed since a time (null: all): what stats read. */
const GOAL_ACTIVITY_PAGE_QUERY = `
query GoalActivityPage($owner: String!, $name: String!, $labels: [String!], $since: DateTime, $after: String, $pageSize: Int!, $commentWindow: Int!) {
  repository(owner: $owner, name: $name) {
    issues(labels: $labels, states: [OPEN, CLOSED], filterBy: {since: $since}, first: $pageSize, after: $after, orderBy: {field: CREATED_AT, direction: ASC}) {
      pageInfo { hasNextPage endCursor }
      nodes { ${GOAL_FIELDS} }
    }
  }
}`;
const GOAL_QUERY = `
query Goal($owner: String!, $name: String!, $number: Int!, $commentWindow: Int!) {
  repository(owner: $owner, name: $name) {
    issue(number: $number) { ${GOAL_FIELDS} }
  }
}`;
const VIEWER_QUERY = "query Viewer { viewer { login } }";
/**
 * One request for the state of many issues across repositories: one aliased `repository`
 * field per repository, one aliased `issue` per number. Values travel as variables.
 */
function dependencyQuery(groups) {
    const variables = {};
    const declarations = [];
    const fields = groups.map((group, r) => {
        variables[`o${r}`] = group.owner;
        variables[`r${r}`] = group.repo;
        declarations.push(`$o${r}: String!`, `$r${r}: String!`);
        const issues = group.numbers.map((number, i) => {
            variables[`n${r}_${i}`] = number;
            declarations.push(`$n${r}_${i}: Int!`);
            return `i${i}: issue(number: $n${r}_${i}) { databaseId number body state stateReason labels(first: 50) { nodes { name } } }`;
        });
        return `r${r}: repository(owner: $o${r}, name: $r${r}) { ${issues.join(" ")} }`;
    });
    return {
        query: `query Dependencies(${declarations.join(", ")}) { ${fields.join(" ")} }`,
        variables,
    };
}
const GOAL_COUNT_QUERY = `
query GoalCount($owner: String!, $name: String!, $labels: [String!]) {
  repository(owner: $owner, name: $name) {
    issues(labels: $labels, states: [OPEN], first: 1) { totalCount }
  }
}`;
/** Open stories and their sub-issues' states, oldest first. */
const STORY_PAGE_QUERY = `
query StoryPage($owner: String!, $name: String!, $after: String) {
  repository(owner: $owner, name: $name) {
    issues(labels: ["story"], states: [OPEN], first: 50, after: $after, orderBy: {field: CREATED_AT, direction: ASC}) {
      pageInfo { hasNextPage endCursor }
      nodes {
        number
        title
        subIssues(first: 100) {
          totalCount
          nodes { number state stateReason repository { nameWithOwner } labels(first: 50) { nodes { name } } }
        }
      }
    }
  }
}`;

;// CONCATENATED MODULE: ./src/github/goal-store.ts









/** GitHub Actions' built-in token posts as this account. */
const ACTIONS_BOT_LOGIN = "github-actions[bot]";
/** Largest page GitHub serves, for both REST and GraphQL connections. */
const MAX_PAGE_SIZE = 100;
/** Issues asked for in one dependency query: keeps GraphQL's node cost small. */
const DEPENDENCY_BATCH = 50;
/** GraphQL calls bots `name`; REST calls them `name[bot]`. Markers compare the REST form. */
function actorLogin(actor) {
    if (!actor)
        return "ghost";
    return actor.__typename === "Bot" && !actor.login.endsWith("[bot]")
        ? `${actor.login}[bot]`
        : actor.login;
}
/** The goal store on GitHub: issues, labels and marker comments. */
class GitHubGoalStore {
    repo;
    viewer;
    client;
    /** Lower-case logins whose markers count. */
    trustedAuthors;
    pageSize;
    paceMs;
    constructor(options, viewer) {
        this.client = options.client;
        this.viewer = viewer;
        this.repo = options.repo;
        this.paceMs = options.paceMs;
        this.pageSize = Math.min(Math.max(options.pageSize ?? MAX_PAGE_SIZE, 1), MAX_PAGE_SIZE);
        this.trustedAuthors = new Set([viewer, ACTIONS_BOT_LOGIN, ...(options.markerAuthors ?? [])].map((login) => login.toLowerCase()));
    }
    /** Connects as the token's account, whose markers are the ones that count. */
    static async connect(options) {
        let viewer;
        try {
            const result = await options.client.graphql(VIEWER_QUERY);
            viewer = result.viewer.login;
        }
        catch (error) {
            throw explainGitHubError(error, "identifying the token's account");
        }
        return new GitHubGoalStore(options, viewer);
    }
    get where() {
        return { owner: this.repo.owner, repo: this.repo.repo };
    }
    async ensureLabels(labels) {
        const existing = await this.client
            .paginate(this.client.rest.issues.listLabelsForRepo, {
            ...this.where,
            per_page: MAX_PAGE_SIZE,
        })
            .catch((error) => {
            throw explainGitHubError(error, `listing the labels of ${formatRepo(this.repo)}`);
        });
        const byName = new Map(existing.map((label) => [label.name.toLowerCase(), label]));
        const created = [];
        const updated = [];
        for (const spec of labels) {
            const found = byName.get(spec.name.toLowerCase());
            if (!found) {
                try {
                    await this.client.rest.issues.createLabel({ ...this.where, ...spec });
                    created.push(spec.name);
                }
                catch (error) {
                    // Another process created it between our list and our create: that is fine.
                    if (!isStatus(error, 422))
                        throw explainGitHubError(error, `creating label ${spec.name}`);
                }
            }
            else if (found.color.toLowerCase() !== spec.color.toLowerCase() || !found.description) {
                // Keep a description a human wrote; fill in ours where there is none.
                await this.client.rest.issues.updateLabel({
                    ...this.where,
                    name: found.name,
                    color: spec.color,
                    description: found.description || spec.description,
                });
                updated.push(spec.name);
            }
        }
        return { created, updated };
    }
    listGoals(state) {
        return this.goalPages(GOAL_PAGE_QUERY, { labels: [stateLabel(state)] }, `listing ${stateLabel(state)} goals`);
    }
    listGoalActivity(since) {
        return this.goalPages(GOAL_ACTIVITY_PAGE_QUERY, { labels: GOAL_STATES.map(stateLabel), since: since?.toISOString() ?? null }, since ? `listing goals changed since ${since.toISOString()}` : "listing all goals");
    }
    async runResultsSince(since) {
        const comments = await this.client
            .paginate(this.client.rest.issues.listCommentsForRepo, {
            ...this.where,
            since: since.toISOString(),
            per_page: MAX_PAGE_SIZE,
        })
            .catch((error) => {
            throw explainGitHubError(error, `listing the comments written since ${since.toISOString()}`);
        });
        return comments.flatMap((comment) => {
            const issue = Number(/\/issues\/(\d+)$/.exec(comment.issue_url)?.[1]);
            const markers = trustedMarkers([
                {
                    author: comment.user?.login ?? "ghost",
                    body: comment.body ?? "",
                    createdAt: comment.created_at,
                },
            ], this.trustedAuthors);
            return markers.flatMap((marker) => marker.kind === "run-result" && Number.isSafeInteger(issue) ? [{ ...marker, issue }] : []);
        });
    }
    /** Goal pages of a query, fetched lazily: reading stops fetching. */
    async *goalPages(query, variables, doing) {
        let after = null;
        do {
            const result = await this.graphql(query, {
                owner: this.repo.owner,
                name: this.repo.repo,
                ...variables,
                after,
                pageSize: this.pageSize,
                commentWindow: MAX_PAGE_SIZE,
            }, doing);
            const issues = result.repository?.issues;
            if (!issues)
                throw this.repositoryNotFound();
            for (const node of issues.nodes)
                yield await this.snapshot(node);
            after = issues.pageInfo.hasNextPage ? issues.pageInfo.endCursor : null;
        } while (after);
    }
    async getGoal(number) {
        const result = await this.graphql(GOAL_QUERY, { owner: this.repo.owner, name: this.repo.repo, number, commentWindow: MAX_PAGE_SIZE }, `reading goal #${number}`);
        if (!result.repository)
            throw this.repositoryNotFound();
        if (!result.repository.issue) {
            throw new NotFoundError(`Issue #${number} does not exist in ${formatRepo(this.repo)}.`);
        }
        return this.snapshot(result.repository.issue);
    }
    async transition(number, request) {
        const doing = `moving #${number} to ${stateLabel(request.to)}`;
        const issue = await this.client.rest.issues
            .get({ ...this.where, issue_number: number })
            .then((response) => response.data)
            .catch((error) => {
            throw explainGitHubError(error, doing);
        });
        if (issue.pull_request) {
            throw new NotFoundError(`#${number} in ${formatRepo(this.repo)} is a pull request, not a goal.`);
        }
        const labels = issue.labels.map((label) => typeof label === "string" ? label : (label.name ?? ""));
        const current = stateFromLabels(labels);
        if (request.expectedFrom !== undefined && current.state !== request.expectedFrom) {
            throw new ConflictError(`Goal #${number} is ${current.state ? stateLabel(current.state) : "without a state label"}, not ${request.expectedFrom ? stateLabel(request.expectedFrom) : "without a state label"}; someone changed it first. Nothing was done.`);
        }
        const changes = current.state !== request.to || current.conflicting.length > 0;
        if (changes) {
            assertTransition(current.state, request.to);
            // One request replaces the whole label set, so no moment shows two state labels.
            await this.client.rest.issues
                .setLabels({ ...this.where, issue_number: number, labels: withState(labels, request.to) })
                .catch((error) => {
                throw explainGitHubError(error, doing);
            });
        }
        const markers = [];
        if (changes)
            markers.push({
                kind: "transition",
                from: current.state,
                to: request.to,
                reason: request.reason,
            });
        if (request.marker)
            markers.push(request.marker);
        if (markers.length > 0) {
            const headline = changes
                ? `**${current.state ?? "no state"} → ${request.to}**: ${request.reason}`
                : request.reason;
            await this.comment(number, markedComment(headline, markers));
        }
        return { from: current.state };
    }
    async recordMarker(number, text, marker) {
        const commentId = await this.comment(number, markedComment(text, [marker]));
        return { commentId };
    }
    async deleteComment(commentId) {
        try {
            await this.client.rest.issues.deleteComment({ ...this.where, comment_id: commentId });
        }
        catch (error) {
            if (!isStatus(error, 404))
                throw explainGitHubError(error, `deleting comment ${commentId}`);
        }
    }
    async countGoals(state) {
        const result = await this.graphql(GOAL_COUNT_QUERY, { owner: this.repo.owner, name: this.repo.repo, labels: [stateLabel(state)] }, `counting ${stateLabel(state)} goals`);
        if (!result.repository)
            throw this.repositoryNotFound();
        return result.repository.issues.totalCount;
    }
    async blockedBy(number) {
        try {
            const blockers = await this.client.paginate("GET /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by", { ...this.where, issue_number: number, per_page: MAX_PAGE_SIZE });
            return blockers.map((issue) => ({
                ...repoFromApiUrl(issue.repository_url),
                number: issue.number,
            }));
        }
        catch (error) {
            throw explainGitHubError(error, `reading what blocks #${number}`);
        }
    }
    async openStories() {
        const stories = [];
        let after = null;
        do {
            const result = await this.graphql(STORY_PAGE_QUERY, { owner: this.repo.owner, name: this.repo.repo, after }, "listing open stories");
            const issues = result.repository?.issues;
            if (!issues)
                throw this.repositoryNotFound();
            for (const story of issues.nodes) {
                // A story with more sub-issues than one page shows is never judged complete.
                if (story.subIssues.totalCount > story.subIssues.nodes.length)
                    continue;
                stories.push({
                    number: story.number,
                    title: story.title,
                    goals: story.subIssues.nodes.map((goal) => ({
                        ref: { ...parseRepo(goal.repository.nameWithOwner), number: goal.number },
                        open: goal.state === "OPEN",
                        stateReason: goal.stateReason,
                        labels: goal.labels.nodes.map((label) => label.name),
                    })),
                });
            }
            after = issues.pageInfo.hasNextPage ? issues.pageInfo.endCursor : null;
        } while (after);
        return stories;
    }
    async closeIssue(number, comment) {
        await this.comment(number, fitBody(comment));
        try {
            await this.client.rest.issues.update({
                ...this.where,
                issue_number: number,
                state: "closed",
                state_reason: "completed",
            });
        }
        catch (error) {
            throw explainGitHubError(error, `closing #${number}`);
        }
    }
    async createGoal(goal) {
        const labels = [stateLabel(goal.state), ...(goal.spotCheck ? [SPOT_CHECK_FLAG_LABEL] : [])];
        const issue = await createIssueOnce(this.client, this.repo, {
            title: goal.title,
            body: goal.body,
            labels,
        }, { paceMs: this.paceMs }).catch((error) => {
            throw explainGitHubError(error, `creating the goal issue in ${formatRepo(this.repo)}`);
        });
        // The Story:/Depends: lines in the body are the source of truth; GitHub's native links
        // make the same facts visible in its UI. A failure there is reported, not fatal.
        const warnings = [];
        const linked = await this.dependencyInfo([
            ...(goal.story ? [goal.story] : []),
            ...goal.depends,
        ]);
        const idOf = (ref) => linked.find((info) => sameIssue(info.ref, ref))?.id ?? null;
        if (goal.story) {
            try {
                await this.addSubIssue(goal.story, issue.id);
            }
            catch (error) {
                warnings.push(`Could not link #${issue.number} as a sub-issue of ${issue_ref_formatIssueRef(goal.story, this.repo)}: ${messageOf(error)}`);
            }
        }
        for (const dependency of goal.depends) {
            const dependencyId = idOf(dependency);
            if (dependencyId === null)
                continue;
            try {
                await this.addBlockedBy(issue.number, dependencyId);
            }
            catch (error) {
                warnings.push(`Could not record #${issue.number} as blocked by ${issue_ref_formatIssueRef(dependency, this.repo)}: ${messageOf(error)}`);
            }
        }
        return { number: issue.number, url: issue.html_url, warnings };
    }
    async dependencyInfo(refs) {
        const found = new Map();
        for (let start = 0; start < refs.length; start += DEPENDENCY_BATCH) {
            const batch = refs.slice(start, start + DEPENDENCY_BATCH);
            const groups = groupByRepo(batch);
            const { query, variables } = dependencyQuery(groups);
            let data;
            try {
                data = await this.client.graphql(query, variables);
            }
            catch (error) {
                // Missing issues and repositories come back as NOT_FOUND errors beside partial data.
                if (error instanceof GraphqlResponseError && onlyNotFound(error)) {
                    data = (error.data ?? {});
                }
                else {
                    throw explainGitHubError(error, "reading the state of dependencies");
                }
            }
            groups.forEach((group, r) => {
                group.numbers.forEach((number, i) => {
                    const issue = data[`r${r}`]?.[`i${i}`] ?? null;
                    found.set(issueKey({ owner: group.owner, repo: group.repo, number }), issue);
                });
            });
        }
        return refs.map((ref) => {
            const issue = found.get(issueKey(ref)) ?? null;
            if (!issue) {
                return {
                    ref,
                    exists: false,
                    id: null,
                    open: false,
                    stateReason: null,
                    labels: [],
                    dependsOn: [],
                };
            }
            return {
                ref,
                exists: true,
                id: issue.databaseId,
                open: issue.state === "OPEN",
                stateReason: issue.stateReason,
                labels: issue.labels.nodes.map((label) => label.name),
                dependsOn: dependsLineOf(issue.body, ref),
            };
        });
    }
    async hasWriteAccess(login) {
        try {
            const { data } = await this.client.rest.repos.getCollaboratorPermissionLevel({
                ...this.where,
                username: login,
            });
            return data.permission === "admin" || data.permission === "write";
        }
        catch (error) {
            // GitHub answers 404 for people who are not collaborators at all.
            if (isStatus(error, 404))
                return false;
            throw explainGitHubError(error, `checking ${login}'s permission on ${formatRepo(this.repo)}`);
        }
    }
    async comment(number, body) {
        try {
            const { data } = await this.client.rest.issues.createComment({
                ...this.where,
                issue_number: number,
                body,
            });
            return data.id;
        }
        catch (error) {
            throw explainGitHubError(error, `commenting on #${number}`);
        }
    }
    async addSubIssue(story, childId) {
        try {
            await this.client.request("POST /repos/{owner}/{repo}/issues/{issue_number}/sub_issues", {
                owner: story.owner,
                repo: story.repo,
                issue_number: story.number,
                sub_issue_id: childId,
            });
        }
        catch (error) {
            // A retried request whose first answer was lost finds the link already made.
            if (isStatus(error, 422) && (await this.isSubIssueOf(story, childId)))
                return;
            throw error;
        }
    }
    async isSubIssueOf(story, childId) {
        const children = await this.client.paginate("GET /repos/{owner}/{repo}/issues/{issue_number}/sub_issues", {
            owner: story.owner,
            repo: story.repo,
            issue_number: story.number,
            per_page: MAX_PAGE_SIZE,
        });
        return children.some((child) => child.id === childId);
    }
    async addBlockedBy(number, blockerId) {
        try {
            await this.client.request("POST /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by", {
                ...this.where,
                issue_number: number,
                issue_id: blockerId,
            });
        }
        catch (error) {
            if (isStatus(error, 422)) {
                const blockers = await this.client.paginate("GET /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by", { ...this.where, issue_number: number, per_page: MAX_PAGE_SIZE });
                if (blockers.some((blocker) => blocker.id === blockerId))
                    return;
            }
            throw error;
        }
    }
    async graphql(query, variables, doing) {
        try {
            return await this.client.graphql(query, variables);
        }
        catch (error) {
            if (error instanceof GraphqlResponseError && onlyNotFound(error)) {
                return (error.data ?? {});
            }
            throw explainGitHubError(error, doing);
        }
    }
    repositoryNotFound() {
        return new NotFoundError(`Repository ${formatRepo(this.repo)} was not found, or the token cannot see it.`);
    }
    async snapshot(node) {
        let comments = node.comments.nodes.map((comment) => ({
            author: actorLogin(comment.author),
            body: comment.body,
            createdAt: comment.createdAt,
        }));
        if (node.comments.totalCount > comments.length) {
            // Busy conversations: markers may sit before the window GraphQL gave us.
            comments = await this.allComments(node.number);
        }
        const labels = node.labels.nodes.map((label) => label.name);
        return {
            ref: { ...this.repo, number: node.number },
            id: node.databaseId,
            nodeId: node.id,
            title: node.title,
            body: node.body,
            url: node.url,
            open: node.state === "OPEN",
            stateReason: node.stateReason,
            labels,
            state: stateFromLabels(labels).state,
            author: actorLogin(node.author),
            createdAt: node.createdAt,
            markers: trustedMarkers(comments, this.trustedAuthors),
        };
    }
    async allComments(number) {
        const comments = await this.client.paginate(this.client.rest.issues.listComments, {
            ...this.where,
            issue_number: number,
            per_page: MAX_PAGE_SIZE,
        });
        return comments.map((comment) => ({
            author: comment.user?.login ?? "ghost",
            body: comment.body ?? "",
            createdAt: comment.created_at,
        }));
    }
}
function groupByRepo(refs) {
    const groups = [];
    for (const ref of refs) {
        let group = groups.find((candidate) => sameRepo(candidate, ref));
        if (!group) {
            group = { owner: ref.owner, repo: ref.repo, numbers: [] };
            groups.push(group);
        }
        if (!group.numbers.includes(ref.number))
            group.numbers.push(ref.number);
    }
    return groups;
}
/** owner/repo from an API URL like https://api.github.com/repos/owner/repo. */
function repoFromApiUrl(url) {
    const match = /\/repos\/([^/]+)\/([^/]+)$/.exec(url);
    if (!match?.[1] || !match[2])
        throw new Error(`Unexpected repository URL from GitHub: ${url}`);
    return { owner: match[1], repo: match[2] };
}
function onlyNotFound(error) {
    return error.errors?.every((entry) => entry.type === "NOT_FOUND") ?? false;
}
/** Room kept for the human-readable text when markers have to be shortened. */
const TEXT_RESERVE = 2_000;
/** Ends a marker's free text that was shortened to fit the comment. */
const MARKER_CUT_NOTE = "… (cut)";
const MARKER_TEXT_FIELDS = ["reason", "logTail", "text"];
/** The markers with every free-text field (reasons, log tails, feedback) at most `cap` long. */
function capMarkers(markers, cap) {
    return markers.map((marker) => {
        const copy = { ...marker };
        for (const key of MARKER_TEXT_FIELDS) {
            const value = copy[key];
            if (typeof value === "string")
                copy[key] = fitBody(value, cap, MARKER_CUT_NOTE);
        }
        return copy;
    });
}
/**
 * A comment of human-readable `text`, a blank line and the markers (one a line), within GitHub's
 * comment limit. The markers stay whole and parseable: when they alone would leave less than
 * TEXT_RESERVE for the text, their free-text fields are shortened to one common, largest cap
 * that fits; then the text is cut to the room that is left.
 */
function markedComment(text, markers) {
    const encode = (list) => list.map(encodeMarker).join("\n");
    const markerRoom = GITHUB_LIMITS.body - TEXT_RESERVE;
    let tail = encode(markers);
    if (tail.length > markerRoom) {
        // Binary search for the largest cap whose encoding fits.
        let low = MARKER_CUT_NOTE.length;
        let high = GITHUB_LIMITS.body;
        while (low < high) {
            const middle = Math.ceil((low + high) / 2);
            if (encode(capMarkers(markers, middle)).length <= markerRoom)
                low = middle;
            else
                high = middle - 1;
        }
        tail = encode(capMarkers(markers, low));
    }
    const room = Math.max(0, GITHUB_LIMITS.body - tail.length - 2);
    return `${fitBody(text, room, cutNote())}\n\n${tail}`;
}
/** The Depends: line of another goal, for cycle detection; a body that is no goal has none. */
function dependsLineOf(body, ref) {
    try {
        return parseGoalBody(body, ref).depends;
    }
    catch {
        return [];
    }
}
function messageOf(error) {
    return error instanceof Error ? error.message : String(error);
}

;// CONCATENATED MODULE: ./src/cli/connection.ts





/**
 * Where a CLI works and as whom: repository from --repo, GITHUB_REPOSITORY or the git remote
 * of the current directory; token from GITHUB_TOKEN or GH_TOKEN (never a flag: flags end up
 * in shell history and process lists); API from GITHUB_API_URL (GitHub Enterprise Server).
 */
async function connect(flags, env = process.env, cwd = process.cwd()) {
    const repo = resolveRepo(flags, env, cwd);
    const token = env.GITHUB_TOKEN || env.GH_TOKEN;
    if (!token) {
        throw new errors_UserError("No GitHub token: set GITHUB_TOKEN or GH_TOKEN to a token that can read and write issues in " +
            `${repo.owner}/${repo.repo} (for example: export GH_TOKEN=$(gh auth token)).`);
    }
    const apiUrl = env.GITHUB_API_URL || DEFAULT_API_URL;
    const paceMs = paceFromEnvironment(env);
    const client = createClient({ token, apiUrl, paceMs });
    const store = await GitHubGoalStore.connect({ client, repo, paceMs });
    return { repo, apiUrl, client, store };
}
function resolveRepo(flags, env, cwd) {
    if (flags.repo)
        return parseRepo(flags.repo);
    if (env.GITHUB_REPOSITORY)
        return parseRepo(env.GITHUB_REPOSITORY);
    const remote = originUrl(cwd);
    const fromRemote = remote ? repoFromRemoteUrl(remote) : null;
    if (fromRemote)
        return fromRemote;
    throw new errors_UserError("No repository: pass --repo owner/name, set GITHUB_REPOSITORY, or run inside a clone whose " +
        "origin remote points at GitHub.");
}
function originUrl(cwd) {
    try {
        return (0,external_node_child_process_namespaceObject.execFileSync)("git", ["remote", "get-url", "origin"], {
            cwd,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "ignore"],
        }).trim();
    }
    catch {
        return null;
    }
}
/** owner/name from https://host/owner/name(.git), git@host:owner/name(.git) or ssh://…/owner/name. */
function repoFromRemoteUrl(url) {
    const match = /^(?:[a-z+]+:\/\/)?(?:[^@/]+@)?[^/:]+(?::\d+)?[/:]([^/]+)\/([^/]+?)(?:\.git)?\/?$/i.exec(url.trim());
    if (!match?.[1] || !match[2])
        return null;
    try {
        return parseRepo(`${match[1]}/${match[2]}`);
    }
    catch {
        return null;
    }
}

;// CONCATENATED MODULE: ./src/cli/io.ts

/** The most standard input a CLI reads: far more than any text GitHub accepts. */
const MAX_STDIN_BYTES = 4 * 1024 * 1024;
/**
 * Reads a stream to its end as UTF-8. Async iteration waits for a writer that starts late and
 * takes input of any size (a synchronous read of fd 0 fails with EAGAIN on a non-blocking pipe
 * and stops at 64 KB). Past `maxBytes` it stops reading with a UserError.
 */
async function readStream(stream, maxBytes = MAX_STDIN_BYTES) {
    const chunks = [];
    let size = 0;
    for await (const chunk of stream) {
        const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
        size += bytes.length;
        if (size > maxBytes) {
            throw new errors_UserError(`standard input: the body is too large (over ${maxBytes.toLocaleString("en-US")} bytes, the most read from standard input).`);
        }
        chunks.push(bytes);
    }
    return Buffer.concat(chunks).toString("utf8");
}
const processIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin: () => readStream(process.stdin),
    isStdinTTY: Boolean(process.stdin.isTTY),
};
/**
 * Runs a CLI's main function: a UserError prints its message alone (it is written for the
 * user); anything else prints the stack, since it is our bug. Returns the exit code.
 */
async function runCli(name, main, io = processIo) {
    try {
        return await main();
    }
    catch (error) {
        if (error instanceof errors_UserError) {
            io.stderr(`${name}: ${error.message}\n`);
            return 2;
        }
        io.stderr(`${name}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        return 1;
    }
}
/** A positive whole number given on the command line, or a UserError naming the argument. */
function parseIssueNumber(text, what) {
    const trimmed = (text ?? "").trim().replace(/^#/, "");
    if (!/^\d+$/.test(trimmed) || Number(trimmed) < 1) {
        throw new UserError(`${what}: "${text ?? ""}" is not an issue number (use a number like 12 or #12).`);
    }
    return Number(trimmed);
}
/** Issue titles are anyone's text: no control characters (terminal escapes) reach the screen. */
function terminalSafe(text) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
    return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ");
}

;// CONCATENATED MODULE: ./src/cli/goal-stats.ts













const GOAL_STATS_USAGE = `Usage: goal-stats [dashboard] [--repo owner/name]... [--since 7d] [--from local|github] [--json] [--out DIR]

  (no command)     per goal: attempts, result, wall time, cost, tokens, lines, PR; then totals
  dashboard        write a self-contained page (index.html + data.json) into --out (default site)

Options:
  --repo R         only this repository (repeat for several); with --from github, the
                   repositories to read (default: GITHUB_REPOSITORY or the git remote)
  --since S        only runs that finished in the last S (7d, 12h, 90m) or since a date (2026-11-01)
  --from local     this machine's stats file, $XDG_STATE_HOME/goal-orchestrator/stats.jsonl (default)
  --from github    the run-result markers on the goals' issues (any machine; needs GITHUB_TOKEN)
  --json           the whole report as JSON

Figures a run did not report are unknown: sums show how many runs they lack, never a zero.`;
const SOURCES = ["local", "github"];
async function goalStatsMain(argv, io = processIo, env = process.env, now = () => new Date()) {
    return runCli("goal-stats", async () => {
        const { values, positionals } = parseCommandLine({
            args: argv,
            allowPositionals: true,
            options: {
                repo: { type: "string", multiple: true },
                since: { type: "string" },
                from: { type: "string", default: "local" },
                json: { type: "boolean", default: false },
                out: { type: "string" },
                help: { type: "boolean", short: "h", default: false },
            },
        }, GOAL_STATS_USAGE);
        if (values.help) {
            io.stdout(`${GOAL_STATS_USAGE}\n`);
            return 0;
        }
        const [command, ...extra] = positionals;
        if ((command !== undefined && command !== "dashboard") || extra.length > 0) {
            throw new errors_UserError(`unknown command "${positionals.join(" ")}"; the only command is dashboard.\n\n${GOAL_STATS_USAGE}`);
        }
        if (values.out !== undefined && command !== "dashboard") {
            throw new errors_UserError(`--out belongs to "goal-stats dashboard".\n\n${GOAL_STATS_USAGE}`);
        }
        const source = values.from;
        if (!SOURCES.includes(source)) {
            throw new errors_UserError(`--from: "${values.from}" is not a source; use local or github.`);
        }
        const at = now();
        const since = values.since === undefined ? null : parseSince(values.since, at);
        const repos = (values.repo ?? []).map((text) => parseRepoFlag(text));
        const report = source === "local"
            ? await localReport(repos, since, at, env, io)
            : await githubReport(repos, since, at, env);
        if (command === "dashboard") {
            const { file } = await writeDashboard(report, values.out ?? "site");
            io.stdout(values.json
                ? `${JSON.stringify({ file, runs: report.totals.runs })}\n`
                : `Dashboard of ${report.totals.runs} run(s) written to ${file}\n`);
            return 0;
        }
        io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
        return 0;
    }, io);
}
/** `7d`, `12h`, `90m` back from now, or a date or time (`2026-11-01`, ISO 8601). */
function parseSince(text, now) {
    const trimmed = text.trim();
    const days = /^(\d+)\s*d$/i.exec(trimmed);
    const seconds = days ? Number(days[1]) * 86_400 : tryParseDuration(trimmed);
    if (seconds !== null && seconds > 0)
        return new Date(now.getTime() - seconds * 1000);
    if (/^\d{4}-\d{2}-\d{2}/.test(trimmed) && !Number.isNaN(Date.parse(trimmed))) {
        return new Date(trimmed);
    }
    throw new errors_UserError(`--since: "${text}" is neither a period (7d, 12h, 90m) nor a date (2026-11-01 or an ISO 8601 time).`);
}
function parseRepoFlag(text) {
    try {
        return parseRepo(text);
    }
    catch (error) {
        throw new errors_UserError(`--repo: ${error instanceof Error ? error.message : String(error)}`);
    }
}
async function localReport(repos, since, now, env, io) {
    const file = runnerLocations(env).statsFile;
    const { records, skipped } = await readStatsFile(file);
    if (skipped.length > 0) {
        const shown = skipped.slice(0, 5).join("; ");
        io.stderr(`goal-stats: skipped ${skipped.length} line(s) of ${file} that are not stats records: ${shown}${skipped.length > 5 ? "; …" : ""}\n`);
    }
    const wanted = new Set(repos.map((repo) => formatRepo(repo).toLowerCase()));
    const runs = records.filter((record) => wanted.size === 0 || wanted.has(record.repository.toLowerCase()));
    if (records.length === 0)
        io.stderr(`goal-stats: no runs recorded in ${file} yet.\n`);
    return buildReport({ runs, source: "local", since, now });
}
async function githubReport(repos, since, now, env) {
    const targets = repos.length > 0 ? repos : [resolveRepo({}, env, process.cwd())];
    const runs = [];
    const histories = [];
    for (const repo of targets) {
        const { store } = await connect({ repo: formatRepo(repo) }, env);
        // Goals changed in the period, plus those still waiting or running from before it
        // (unchanged since, but part of the queue's depth).
        const goals = new Map();
        for await (const goal of store.listGoalActivity(since))
            goals.set(goal.ref.number, goal);
        if (since !== null) {
            for (const state of ["queued", "running"])
                for await (const goal of store.listGoals(state))
                    goals.set(goal.ref.number, goal);
        }
        const found = statsFromGoals(goals.values());
        runs.push(...found.runs);
        histories.push(...found.histories);
    }
    return buildReport({ runs, histories, source: "github", since, now });
}
function formatReport(report) {
    const { totals } = report;
    const where = report.repositories.length > 0 ? report.repositories.join(", ") : "no repository";
    const lines = [
        `${totals.runs} run(s) of ${totals.goals} goal(s) in ${where}${report.since ? ` since ${report.since}` : ""} (from ${report.source})`,
    ];
    if (report.goals.length === 0)
        return lines.join("\n");
    const rows = report.goals.map(goalCells);
    lines.push("", ...table(["goal", "result", "attempts", "wall", "cost", "tokens", "lines", "pr"], rows));
    const split = totals.time_split;
    const finished = totals.done + totals.spot_check + totals.stuck;
    lines.push("", "Totals", ...table([], [
        [
            "goals",
            `${totals.done} done, ${totals.spot_check} spot-check, ${totals.stuck} stuck, ${totals.open} open`,
        ],
        ["success rate", `${formatRate(totals.success_rate)} of ${finished} finished goal(s)`],
        ["stuck rate", formatRate(totals.stuck_rate)],
        ["retry rate", `${formatRate(totals.retry_rate)} needed more than one attempt`],
        ["cost", formatPartialUsd(totals.cost_usd)],
        [
            "cost per done goal",
            totals.cost_per_done_goal.value === null
                ? "unknown"
                : `${formatUsd(totals.cost_per_done_goal.value)}${totals.cost_per_done_goal.unknown > 0
                    ? ` + ${plural(totals.cost_per_done_goal.unknown, "run")} unknown`
                    : ""}`,
        ],
        [
            "median time to done",
            totals.median_seconds_to_done === null
                ? "–"
                : formatDuration(totals.median_seconds_to_done),
        ],
        ["done per day", totals.done_per_day === null ? "–" : totals.done_per_day.toFixed(2)],
        [
            "time: LLM / tools / overhead",
            `${formatPartialSeconds(split.llm)} / ${formatPartialSeconds(split.tools)} / ${formatPartialSeconds(split.overhead)}`,
        ],
    ]).map((line) => `  ${line}`));
    if (totals.most_expensive.length > 0) {
        lines.push("", "Most expensive", ...totals.most_expensive.map((goal) => `  ${goal_stats_goalLabel(goal)}  ${formatPartialUsd(goal.cost_usd)}${goal.title ? `  ${terminalSafe(goal.title)}` : ""}`));
    }
    return lines.join("\n");
}
function goal_stats_goalLabel(goal) {
    return `${goal.repository}#${goal.goal}`;
}
function goalCells(goal) {
    const lines = goal.lines_added.known === 0 && goal.lines_deleted.known === 0
        ? "unknown"
        : `+${formatPartial(goal.lines_added)} -${formatPartial(goal.lines_deleted)}`;
    return [
        goal_stats_goalLabel(goal),
        goal.result,
        String(goal.attempts),
        formatDuration(goal.wall_seconds),
        formatPartialUsd(goal.cost_usd),
        formatPartial(goal.tokens),
        lines,
        goal.pr_url ?? "–",
    ];
}
/** Left-aligned columns; titles and cells are one line each. */
function table(header, rows) {
    const all = header.length > 0 ? [header, ...rows] : rows;
    const widths = all[0]?.map((_, column) => Math.max(...all.map((row) => (row[column] ?? "").length))) ?? [];
    return all.map((row) => row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join("  ")
        .trimEnd());
}


/***/ }),

/***/ 990:
/***/ ((module, __unused_webpack___webpack_exports__, __nccwpck_require__) => {

__nccwpck_require__.a(module, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
/* harmony import */ var _cli_goal_stats_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(7);

process.exitCode = await (0,_cli_goal_stats_js__WEBPACK_IMPORTED_MODULE_0__/* .goalStatsMain */ .Iv)(process.argv.slice(2));

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } }, 1);

/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		// no module.id needed
/******/ 		// no module.loaded needed
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId].call(module.exports, module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/async module */
/******/ (() => {
/******/ 	var webpackQueues = typeof Symbol === "function" ? Symbol("webpack queues") : "__webpack_queues__";
/******/ 	var webpackExports = typeof Symbol === "function" ? Symbol("webpack exports") : "__webpack_exports__";
/******/ 	var webpackError = typeof Symbol === "function" ? Symbol("webpack error") : "__webpack_error__";
/******/ 	var resolveQueue = (queue) => {
/******/ 		if(queue && queue.d < 1) {
/******/ 			queue.d = 1;
/******/ 			queue.forEach((fn) => (fn.r--));
/******/ 			queue.forEach((fn) => (fn.r-- ? fn.r++ : fn()));
/******/ 		}
/******/ 	}
/******/ 	var wrapDeps = (deps) => (deps.map((dep) => {
/******/ 		if(dep !== null && typeof dep === "object") {
/******/ 			if(dep[webpackQueues]) return dep;
/******/ 			if(dep.then) {
/******/ 				var queue = [];
/******/ 				queue.d = 0;
/******/ 				dep.then((r) => {
/******/ 					obj[webpackExports] = r;
/******/ 					resolveQueue(queue);
/******/ 				}, (e) => {
/******/ 					obj[webpackError] = e;
/******/ 					resolveQueue(queue);
/******/ 				});
/******/ 				var obj = {};
/******/ 				obj[webpackQueues] = (fn) => (fn(queue));
/******/ 				return obj;
/******/ 			}
/******/ 		}
/******/ 		var ret = {};
/******/ 		ret[webpackQueues] = x => {};
/******/ 		ret[webpackExports] = dep;
/******/ 		return ret;
/******/ 	}));
/******/ 	__nccwpck_require__.a = (module, body, hasAwait) => {
/******/ 		var queue;
/******/ 		hasAwait && ((queue = []).d = -1);
/******/ 		var depQueues = new Set();
/******/ 		var exports = module.exports;
/******/ 		var currentDeps;
/******/ 		var outerResolve;
/******/ 		var reject;
/******/ 		var promise = new Promise((resolve, rej) => {
/******/ 			reject = rej;
/******/ 			outerResolve = resolve;
/******/ 		});
/******/ 		promise[webpackExports] = exports;
/******/ 		promise[webpackQueues] = (fn) => (queue && fn(queue), depQueues.forEach(fn), promise["catch"](x => {}));
/******/ 		module.exports = promise;
/******/ 		body((deps) => {
/******/ 			currentDeps = wrapDeps(deps);
/******/ 			var fn;
/******/ 			var getResult = () => (currentDeps.map((d) => {
/******/ 				if(d[webpackError]) throw d[webpackError];
/******/ 				return d[webpackExports];
/******/ 			}))
/******/ 			var promise = new Promise((resolve) => {
/******/ 				fn = () => (resolve(getResult));
/******/ 				fn.r = 0;
/******/ 				var fnQueue = (q) => (q !== queue && !depQueues.has(q) && (depQueues.add(q), q && !q.d && (fn.r++, q.push(fn))));
/******/ 				currentDeps.map((dep) => (dep[webpackQueues](fnQueue)));
/******/ 			});
/******/ 			return fn.r ? promise : getResult();
/******/ 		}, (err) => ((err ? reject(promise[webpackError] = err) : outerResolve(exports)), resolveQueue(queue)));
/******/ 		queue && queue.d < 0 && (queue.d = 0);
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/compat get default export */
/******/ (() => {
/******/ 	// getDefaultExport function for compatibility with non-harmony modules
/******/ 	__nccwpck_require__.n = (module) => {
/******/ 		var getter = module && module.__esModule ?
/******/ 			() => (module['default']) :
/******/ 			() => (module);
/******/ 		__nccwpck_require__.d(getter, { a: getter });
/******/ 		return getter;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/************************************************************************/
/******/ 
/******/ // startup
/******/ // Load entry module and return exports
/******/ // This entry module used 'module' so it can't be inlined
/******/ var __webpack_exports__ = __nccwpck_require__(990);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ 
