// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Capped} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Capped.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// The reward token emissions are paid in. Its supply can never exceed the cap (42,000,000 tokens by
/// default, the schedule's total); only the owner, the settling operator, mints, and it mints each
/// epoch's payouts straight into that epoch's Merkle distributor.
contract SextantRewardToken is ERC20Capped, Ownable {
    constructor(uint256 cap_, address owner_) ERC20("Sextant Reward", "SXR") ERC20Capped(cap_) Ownable(owner_) {}

    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
