// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

/// @title Sextant's bundle guard
/// @notice Ties a bundle to the preview its user confirmed. Sextant shows the user what a bundle will
/// do before they sign: per token, at most this much leaves the account and at least that much
/// arrives; allowances end as shown; debt ends no higher and the health factor no lower. The bundle
/// (a smart account's executeBatch) opens with `snapshot` and closes with `check`, both called by the
/// account itself. If the chain has moved between preview and inclusion (a price, a pool, a hostile
/// token), `check` reverts, and with it the whole batch: the user gets what they saw, or nothing.
/// `forwardReceived` lets a step use exactly what earlier steps brought in, not their minimum.
/// @dev In the spirit of ERC-8211's "smart batching": predicates evaluated inside the batch against
/// values read while it runs, a false one undoing every call, and parameters resolved at run time (an
/// amount received). Values live in transient storage (EIP-1153), so they last one transaction and
/// never cost a storage write. No owner, no constructor arguments: one CREATE2 address on every chain.
///
/// `snapshot()` and `check()` take packed 32-byte words straight after their selector, not ABI
/// arguments: the guard runs in every bundle, and padded structs, offsets and lengths are calldata
/// every user pays for.
/// - A read: `target | selector << 160 | word << 192 | hasArg << 200`, then `arg` if hasArg. It reads
///   word `word` of `target.staticcall(selector, msg.sender[, arg])` (arg: a spender); target 0 reads
///   msg.sender's ETH. Every read names the caller, so a bundle can only check its own account.
///   snapshot's words are reads, numbered from 0.
/// - A bound: `head = index | relative << 128 | hasMin << 129 | hasMax << 130 | minNegative << 131 |
///   maxNegative << 132`; an absolute bound's read follows the head; then |min| if hasMin, then |max|
///   if hasMax (below 2**255, or 2**255 negated; absent: no limit). Signs ride in the head because a
///   small negative int256 is thirty-two non-zero bytes of calldata. Relative: the change of snapshot
///   read `index` since the snapshot lies in [min, max]; absolute: the value of its read now does.
///   Values >= 2**255 count as type(int256).max. check's words are bounds.
contract SextantBundleGuard {
    error BoundBroken(uint256 bound, address target, bytes4 selector, int256 value, int256 min, int256 max);
    error ReadFailed(address target, bytes4 selector);
    error NotSnapshotted(uint256 read);
    error ForwardFailed(uint256 read, bytes reason);
    error AlreadySnapshotted();
    error Malformed();

    bytes4 private constant BALANCE_OF = 0x70a08231;

    /// @notice Records each read (what it reads, and its value) in transient storage keyed by
    /// msg.sender, so one account's snapshot can never satisfy (or spoil) another's check. The reads
    /// follow the selector (see above).
    function snapshot() external {
        uint256 base = _base();
        // One snapshot per bundle: a second one (a call inside the bundle reaching the guard again)
        // would move the baseline every bound is measured from.
        if (_tload(base) != 0) revert AlreadySnapshotted();
        uint256 count;
        for (uint256 p = 4; p < msg.data.length; ) {
            uint256 what;
            uint256 arg;
            (what, arg, p) = _readAt(p);
            uint256 value = _read(what, arg);
            // Slots base + 1 + 3i: value, what, and arg only for a read that has one (`what` says so).
            assembly {
                let slot := add(add(base, 1), mul(3, count))
                tstore(slot, value)
                tstore(add(slot, 1), what)
                if and(shr(200, what), 1) { tstore(add(slot, 2), arg) }
                count := add(count, 1)
            }
        }
        _tstore(base, count);
    }

    /// @notice Checks every bound (they follow the selector) against the value of its read now, a
    /// relative bound's change since the snapshot; reverts with BoundBroken for the first that fails.
    /// Clears the caller's snapshot.
    function check() external {
        uint256 base = _base();
        uint256 recorded = _tload(base);
        for ((uint256 p, uint256 n) = (4, 0); p < msg.data.length; ++n) {
            uint256 index;
            uint256 what;
            uint256 arg;
            uint256 before;
            int256 min;
            int256 max;
            bool malformed;
            // One bound, parsed in assembly: it runs for every bound of every bundle. A relative bound's
            // read and value come from the snapshot (past the snapshot's count its slots hold 0, and
            // the bound is refused below).
            assembly {
                let head := calldataload(p)
                p := add(p, 32)
                switch and(shr(128, head), 1)
                case 0 {
                    index := not(0) // absolute: it names no snapshot read
                    what := calldataload(p)
                    p := add(p, 32)
                    if and(shr(200, what), 1) {
                        arg := calldataload(p)
                        p := add(p, 32)
                    }
                }
                default {
                    index := and(head, 0xffffffffffffffffffffffffffffffff)
                    let slot := add(add(base, 1), mul(3, index))
                    before := tload(slot)
                    what := tload(add(slot, 1))
                    if and(shr(200, what), 1) { arg := tload(add(slot, 2)) }
                }
                min := shl(255, 1) // type(int256).min: no minimum
                max := not(min) // type(int256).max: no maximum
                // A limit is a magnitude below 2**255, or 2**255 negated (type(int256).min).
                if and(shr(129, head), 1) {
                    let m := calldataload(p)
                    p := add(p, 32)
                    let negative := and(shr(131, head), 1)
                    malformed := gt(m, sub(shl(255, 1), iszero(negative)))
                    min := m
                    if negative { min := sub(0, m) }
                }
                if and(shr(130, head), 1) {
                    let m := calldataload(p)
                    p := add(p, 32)
                    let negative := and(shr(132, head), 1)
                    malformed := or(malformed, gt(m, sub(shl(255, 1), iszero(negative))))
                    max := m
                    if negative { max := sub(0, m) }
                }
                // Words past the end of calldata read as 0: a bound cut short is refused, not zero.
                malformed := or(malformed, gt(p, calldatasize()))
            }
            if (malformed) revert Malformed();
            bool relative = index != type(uint256).max;
            if (relative && index >= recorded) revert NotSnapshotted(index);
            int256 value = _signed(_read(what, arg));
            // Both values lie in [0, 2**255 - 1] (clamped), so the difference cannot overflow.
            unchecked {
                if (relative) value -= _signed(before);
            }
            if (value < min || value > max) {
                revert BoundBroken(n, address(uint160(what)), bytes4(uint32(what >> 160)), value, min, max);
            }
        }
        _tstore(base, 0);
    }

    /// @notice Calls `target` with `data` whose 32-byte word at byte `offset` becomes the amount of
    /// `token` the bundle has brought into the caller since its snapshot (read `read` must be the
    /// caller's balanceOf of `token`), at most `atMost`. The amount is taken from the caller (which
    /// approved this contract for it) and `target` approved for it; what `target` leaves here goes back.
    function forwardReceived(uint256 read, address token, address target, bytes calldata data, uint256 offset, uint256 atMost)
        external
        returns (uint256 amount)
    {
        uint256 slot = _base() + 1 + 3 * read;
        if (read >= _tload(_base()) || _tload(slot + 1) != _balanceOfRead(token)) revert NotSnapshotted(read);
        uint256 before = _tload(slot);
        uint256 now_ = _balanceOf(token, msg.sender);
        amount = now_ > before ? now_ - before : 0;
        if (amount > atMost) amount = atMost;
        if (amount == 0 || offset + 32 > data.length) revert ForwardFailed(read, "nothing received");
        // The guard calls only the step's own contract, never the token it would then move at will.
        if (target == token) revert ForwardFailed(read, "target is the token");
        _call(read, token, abi.encodeWithSignature("transferFrom(address,address,uint256)", msg.sender, address(this), amount));
        _call(read, token, abi.encodeWithSignature("approve(address,uint256)", target, amount));
        bytes memory patched = data;
        assembly {
            mstore(add(add(patched, 32), offset), amount)
        }
        (bool ok, bytes memory reason) = target.call(patched);
        if (!ok) revert ForwardFailed(read, reason);
        _call(read, token, abi.encodeWithSignature("approve(address,uint256)", target, 0));
        uint256 left = _balanceOf(token, address(this));
        if (left > 0) _call(read, token, abi.encodeWithSignature("transfer(address,uint256)", msg.sender, left));
    }

    /// A read's value; reverts with ReadFailed when the call fails or returns too little, because a
    /// bound on a value that cannot be read would otherwise pass or fail by accident.
    function _read(uint256 what, uint256 arg) private view returns (uint256 value) {
        bool ok;
        // One block of assembly, as it runs once per read and bound of every bundle. The call is
        // written at the free memory pointer without moving it, and only the wanted word is copied
        // out of the return data: a read allocates nothing, however many a bundle makes.
        assembly {
            let target := and(what, 0xffffffffffffffffffffffffffffffffffffffff)
            switch target
            case 0 {
                value := balance(caller())
                ok := 1
            }
            default {
                let p := mload(0x40)
                mstore(p, shl(224, shr(160, what)))
                mstore(add(p, 4), caller())
                mstore(add(p, 36), arg)
                ok := staticcall(gas(), target, p, add(36, shl(5, and(shr(200, what), 1))), 0, 0)
                let word := and(shr(192, what), 0xff)
                // Too short a return fails the read like a revert: returndatacopy past the end would.
                ok := and(ok, iszero(lt(returndatasize(), shl(5, add(word, 1)))))
                if ok {
                    returndatacopy(0, shl(5, word), 32)
                    value := mload(0)
                }
            }
        }
        if (!ok) revert ReadFailed(address(uint160(what)), bytes4(uint32(what >> 160)));
    }

    /// The packed read of the caller's balance of `token` (word 0, no arg).
    function _balanceOfRead(address token) private pure returns (uint256) {
        return uint256(uint160(token)) | (uint256(uint32(BALANCE_OF)) << 160);
    }

    function _balanceOf(address token, address holder) private view returns (uint256) {
        (bool ok, bytes memory returned) = token.staticcall(abi.encodeWithSelector(BALANCE_OF, holder));
        return ok && returned.length >= 32 ? abi.decode(returned, (uint256)) : 0;
    }

    /// A token call that must succeed; a token returning false (rather than reverting) fails it too.
    function _call(uint256 read, address target, bytes memory data) private {
        (bool ok, bytes memory returned) = target.call(data);
        if (!ok || (returned.length >= 32 && !abi.decode(returned, (bool)))) revert ForwardFailed(read, returned);
    }

    /// Clamped rather than reverting: balances above 2**255 do not occur, and signed arithmetic keeps
    /// the bounds simple.
    function _signed(uint256 value) private pure returns (int256) {
        return value > uint256(type(int256).max) ? type(int256).max : int256(value);
    }

    /// The read at calldata position `p`: what it reads, its arg (0 without), and where the next word
    /// is. Malformed when the calldata stops short of it.
    function _readAt(uint256 p) private pure returns (uint256 what, uint256 arg, uint256 next) {
        assembly {
            what := calldataload(p)
            next := add(p, 32)
            if and(shr(200, what), 1) {
                arg := calldataload(next)
                next := add(next, 32)
            }
        }
        if (next > msg.data.length) revert Malformed();
    }

    /// The caller's transient area: its number of snapshot reads at `base`, then three slots per read
    /// (value, what, arg). keccak-separated, so accounts cannot reach each other's.
    function _base() private view returns (uint256 base) {
        assembly {
            mstore(0, caller())
            base := keccak256(0, 32)
        }
    }

    function _tstore(uint256 slot, uint256 value) private {
        assembly {
            tstore(slot, value)
        }
    }

    function _tload(uint256 slot) private view returns (uint256 value) {
        assembly {
            value := tload(slot)
        }
    }
}
