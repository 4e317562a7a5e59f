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
contract SextantBundleGuard {
    /// A uint256 read about the caller: word `word` of `target.staticcall(selector, msg.sender[, arg])`
    /// (`arg` is passed when it is not zero: a spender). target == address(0) reads msg.sender's ETH.
    /// Every read names the caller itself, so a bundle can only ever check its own account.
    struct Read {
        address target;
        bytes4 selector;
        address arg;
        uint256 word;
    }

    /// Bound on read number `read` (an index into the `reads` given to check): relative: (value now -
    /// value at snapshot) in [min, max]; absolute: value now in [min, max]. Values >= 2**255 count as
    /// type(int256).max. `max == type(int256).min` means no maximum: it costs a fraction of
    /// type(int256).max in calldata (one non-zero byte, not thirty-two), and no value could meet it.
    struct Bound {
        uint256 read;
        bool relative;
        int256 min;
        int256 max;
    }

    error BoundBroken(uint256 bound, int256 value, int256 min, int256 max);
    error ReadFailed(uint256 read);
    error NotSnapshotted(uint256 read);
    error ForwardFailed(uint256 read, bytes reason);
    error AlreadySnapshotted();

    bytes4 private constant BALANCE_OF = 0x70a08231;

    /// @notice Records the value of each read (and what it reads) in transient storage keyed by
    /// msg.sender, so one account's snapshot can never satisfy (or spoil) another's check.
    function snapshot(Read[] calldata reads) external {
        // One snapshot per bundle: a second one (a call inside the bundle reaching the guard again)
        // would move the baseline every bound is measured from.
        if (_tload(_slot(msg.sender, type(uint256).max, 0)) != 0) revert AlreadySnapshotted();
        for (uint256 i; i < reads.length; ++i) {
            _tstore(_slot(msg.sender, i, 0), _read(reads[i], i));
            _tstore(_slot(msg.sender, i, 1), _what(reads[i].target, reads[i].selector));
        }
        _tstore(_slot(msg.sender, type(uint256).max, 0), reads.length);
    }

    /// @notice Reads every entry of `reads` again and checks every bound (a relative one needs its read
    /// snapshotted); reverts with BoundBroken for the first that fails. Clears the caller's snapshot.
    function check(Read[] calldata reads, Bound[] calldata bounds) external {
        uint256 recorded = _tload(_slot(msg.sender, type(uint256).max, 0));
        int256[] memory values = new int256[](reads.length);
        for (uint256 i; i < reads.length; ++i) {
            values[i] = _signed(_read(reads[i], i));
        }
        for (uint256 j; j < bounds.length; ++j) {
            Bound calldata bound = bounds[j];
            if (bound.read >= reads.length) revert ReadFailed(bound.read);
            int256 value = values[bound.read];
            if (bound.relative) {
                if (bound.read >= recorded) revert NotSnapshotted(bound.read);
                // Both sides lie in [0, 2**255 - 1], so the difference cannot overflow.
                value -= _signed(_tload(_slot(msg.sender, bound.read, 0)));
            }
            if (value < bound.min || (value > bound.max && bound.max != type(int256).min)) {
                revert BoundBroken(j, value, bound.min, bound.max);
            }
        }
        _tstore(_slot(msg.sender, type(uint256).max, 0), 0);
    }

    /// @notice Calls `target` with `data` whose 32-byte word at byte `offset` becomes the amount of
    /// `token` the bundle has brought into the caller since its snapshot (read `read` must be the
    /// caller's balanceOf of `token`), at most `atMost`. The amount is taken from the caller (which
    /// approved this contract for it) and `target` approved for it; what `target` leaves here goes back.
    function forwardReceived(uint256 read, address token, address target, bytes calldata data, uint256 offset, uint256 atMost)
        external
        returns (uint256 amount)
    {
        bool snapshotted = read < _tload(_slot(msg.sender, type(uint256).max, 0));
        if (!snapshotted || _tload(_slot(msg.sender, read, 1)) != _what(token, BALANCE_OF)) {
            revert NotSnapshotted(read);
        }
        uint256 before = _tload(_slot(msg.sender, read, 0));
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

    /// A read's value; reverts with ReadFailed(index) when the call fails or returns too little,
    /// because a bound on a value that cannot be read would otherwise pass or fail by accident.
    function _read(Read calldata r, uint256 index) private view returns (uint256 value) {
        address target = r.target;
        if (target == address(0)) return msg.sender.balance;
        (bytes4 selector, address arg, uint256 word) = (r.selector, r.arg, r.word);
        bool ok;
        uint256 size;
        // The call is written at the free memory pointer without moving it, and the word is copied
        // out of the return data alone: a read allocates nothing, however many a bundle makes.
        assembly {
            let p := mload(0x40)
            mstore(p, selector)
            mstore(add(p, 4), caller())
            mstore(add(p, 36), arg)
            ok := staticcall(gas(), target, p, add(36, mul(iszero(iszero(arg)), 32)), 0, 0)
            size := returndatasize()
        }
        // Compared by whole words, so a huge `word` cannot overflow into a passing length check.
        if (!ok || size / 32 <= word) revert ReadFailed(index);
        assembly {
            returndatacopy(0, mul(word, 32), 32)
            value := mload(0)
        }
    }

    /// What a snapshotted read read, for forwardReceived to check: its target and selector, packed.
    function _what(address target, bytes4 selector) private pure returns (uint256) {
        return uint256(uint160(target)) | (uint256(uint32(selector)) << 160);
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

    /// A transient slot of `account`'s: keccak(account, index) + field, hashed in scratch memory.
    function _slot(address account, uint256 index, uint256 field) private pure returns (bytes32 slot) {
        assembly {
            mstore(0, account)
            mstore(32, index)
            slot := add(keccak256(0, 64), field)
        }
    }

    function _tstore(bytes32 slot, uint256 value) private {
        assembly {
            tstore(slot, value)
        }
    }

    function _tload(bytes32 slot) private view returns (uint256 value) {
        assembly {
            value := tload(slot)
        }
    }
}
